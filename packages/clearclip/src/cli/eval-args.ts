/** Argument helpers shared by the eval subcommands. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in the command line: reported with the usage text and exit code 2. */
export class UsageError extends Error {}

/** node:util's parseArgs, its complaints (unknown flag, missing value) turned into UsageErrors. */
export function parseUsage<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function num(flag: string, v: string | undefined, int = false): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || (int && !Number.isInteger(x))) throw new UsageError(`--${flag} expects ${int ? 'an integer' : 'a number'}, got '${v}'`);
  return x;
}

export function bool(flag: string, v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (/^(true|1|yes)$/i.test(v)) return true;
  if (/^(false|0|no)$/i.test(v)) return false;
  throw new UsageError(`--${flag} expects true or false, got '${v}'`);
}

/** --dtype and --vocab as the segmenter factory's model options (the library checks the file and the device). */
export function modelOptions(dtype: string | undefined, vocab: string | undefined): { dtype?: 'f32' | 'f16'; vocab?: string } {
  if (dtype !== undefined && dtype !== 'f32' && dtype !== 'f16') throw new UsageError(`--dtype expects f32 or f16, got '${dtype}'`);
  return { ...(dtype ? { dtype } : {}), ...(vocab !== undefined ? { vocab } : {}) };
}

/** Runs a subcommand: usage errors exit 2 with the usage text, other errors exit 1 with the message. */
export async function guarded(stderr: NodeJS.WritableStream, usage: string, f: () => Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof UsageError) {
      stderr.write(`clearclip: ${e.message}\n\n${usage}`);
      return 2;
    }
    stderr.write(`clearclip: ${(e as Error).message}\n`);
    return 1;
  }
}
