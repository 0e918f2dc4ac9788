// Files in the caches are written whole or not at all, and concurrent writers (threads of one process or several
// processes) never share a temporary name: each writes its own, then renames it into place.
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';

/** A temporary name beside `file` that no other writer uses (process id + random bytes). */
export function uniqueTempName(file: string, suffix = 'tmp'): string {
  return `${file}.${process.pid}.${randomBytes(6).toString('hex')}.${suffix}`;
}

/** Write through a unique temporary name, then rename (atomic on one filesystem); the temporary is removed on failure. */
export async function writeFileAtomic(file: string, data: string | Uint8Array | Float32Array): Promise<void> {
  const tmp = uniqueTempName(file);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
