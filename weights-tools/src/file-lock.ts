/**
 * A per-file lock for the hub cache, in huggingface_hub's place (<cache>/.locks/<repo folder>/<name>.lock), so
 * that processes downloading the same file take turns instead of writing one `.incomplete` at once. The lock is
 * a file created with O_EXCL holding the owner's pid and host; a lock whose process on this host is gone is stale
 * and taken over. Waiting is bounded.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';

export class LockTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockTimeoutError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(lockFile: string): Promise<boolean> {
  try {
    const [pid, host] = (await readFile(lockFile, 'utf8')).split('\n');
    return host === hostname() && /^\d+$/.test(pid) && Number(pid) !== process.pid && !alive(Number(pid));
  } catch {
    return false; // gone already, or being written: try again
  }
}

/** Run `fn` holding `lockFile`; waits up to `timeoutMs` for another holder. */
export async function withFileLock<R>(lockFile: string, fn: () => Promise<R>, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<R> {
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const pollMs = opts.pollMs ?? 100;
  await mkdir(path.dirname(lockFile), { recursive: true });
  const t0 = Date.now();
  for (;;) {
    try {
      const fh = await open(lockFile, 'wx');
      try {
        await fh.writeFile(`${process.pid}\n${hostname()}\n`);
      } finally {
        await fh.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (await isStale(lockFile)) {
        await rm(lockFile, { force: true });
        continue;
      }
      if (Date.now() - t0 > timeoutMs) throw new LockTimeoutError(`${lockFile}: still locked by another download after ${Math.round(timeoutMs / 1000)} s (delete it if no download is running)`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockFile, { force: true });
  }
}
