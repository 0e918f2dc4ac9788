/**
 * What `clearclip segment` checks before any model is downloaded or loaded: the images are readable files, the
 * settings are in range (settings-check.ts, reported with the CLI's flag names), the output folder can be
 * written; and output names that would collide are made unique.
 */
import { constants } from 'node:fs';
import { access, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SettingsError, checkSegmentSettings, type CheckedSettings } from '../settings-check.js';

const FLAGS: Record<string, string> = {
  scale: '--short-side',
  crop: '--crop',
  stride: '--stride',
  logitScale: '--logit-scale',
  probThd: '--prob-thd',
  form: '--preset',
  windowBatch: '--window-batch',
  dtype: '--dtype',
  weights: '--weights',
  vocab: '--vocab',
  classesFile: '--classes-file',
  maxImagePixels: 'CLEARCLIP_MAX_IMAGE_PIXELS',
};

/** A library SettingsError reworded with the CLI's flag for the option; other errors pass unchanged. */
export function withCliFlag(e: unknown): unknown {
  return e instanceof SettingsError ? new Error(`${FLAGS[e.option] ?? e.option}${e.message.slice(e.option.length)}`) : e;
}

/** Runs `f`, reporting a SettingsError with the CLI's flag instead of the library's option name. */
export async function cliFlags<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw withCliFlag(e);
  }
}

/** checkSegmentSettings with the library's option names replaced by the CLI's flags. */
export function checkCliSettings(s: CheckedSettings): void {
  try {
    checkSegmentSettings(s);
  } catch (e) {
    throw withCliFlag(e);
  }
}

/** Every image must be a readable file; all problems are listed at once. */
export async function checkImagesReadable(files: string[]): Promise<void> {
  const problems: string[] = [];
  for (const f of files) {
    try {
      const st = await stat(f);
      if (st.isDirectory()) problems.push(`${f}: is a directory`);
      else await access(f, constants.R_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      problems.push(`${f}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable' : (e as Error).message}`);
    }
  }
  if (problems.length === 1) throw new Error(`image ${problems[0]}`);
  if (problems.length > 1) throw new Error(`${problems.length} images cannot be read: ${problems.join('; ')}`);
}

/**
 * The output folder must be writable: an existing folder is probed with a temporary file (permissions alone do
 * not tell, e.g. on read-only mounts); a new one needs its nearest existing parent to be a writable folder. Nothing
 * is created here: the folder is made when the first output is written.
 */
export async function checkOutDirWritable(out: string): Promise<void> {
  const abs = path.resolve(out);
  let st;
  try {
    st = await stat(abs);
  } catch {
    st = null;
  }
  if (st) {
    if (!st.isDirectory()) throw new Error(`--out ${out}: exists and is not a folder`);
    const probe = path.join(abs, `.clearclip-write-test-${process.pid}-${Date.now()}`);
    try {
      await writeFile(probe, '');
      await unlink(probe);
    } catch (e) {
      throw new Error(`--out ${out}: folder is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return;
  }
  let parent = path.dirname(abs);
  for (;;) {
    const ps = await stat(parent).catch(() => null);
    if (ps) {
      if (!ps.isDirectory()) throw new Error(`--out ${out}: cannot be created (${parent} is not a folder)`);
      try {
        await access(parent, constants.W_OK | constants.X_OK);
      } catch {
        throw new Error(`--out ${out}: cannot be created (${parent} is not writable)`);
      }
      return;
    }
    const up = path.dirname(parent);
    if (up === parent) throw new Error(`--out ${out}: no existing parent folder`);
    parent = up;
  }
}

/** Output base names (file name without extension), made unique with -2, -3, ...; `notes` says which were renamed. */
export function uniqueOutputNames(files: string[]): { names: string[]; notes: string[] } {
  const used = new Map<string, number>();
  const taken = new Set(files.map((f) => path.basename(f).replace(/\.[^.]+$/, '')));
  const names: string[] = [];
  const notes: string[] = [];
  const first = new Map<string, string>();
  for (const f of files) {
    const base = path.basename(f).replace(/\.[^.]+$/, '');
    if (!used.has(base)) {
      used.set(base, 1);
      first.set(base, f);
      names.push(base);
      continue;
    }
    let n = used.get(base)!;
    let name: string;
    do name = `${base}-${++n}`;
    while (taken.has(name) || used.has(name));
    used.set(base, n);
    used.set(name, 1);
    names.push(name);
    notes.push(`${f} has the same name as ${first.get(base)}: its outputs are written as ${name}.*`);
  }
  return { names, notes };
}
