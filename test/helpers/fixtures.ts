import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Test } from 'tap';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared third-party material (fixtures, vocab, images): $CLEARCLIP_SHARED, else ../shared beside the repo. */
export const sharedDir = process.env.CLEARCLIP_SHARED ? path.resolve(process.env.CLEARCLIP_SHARED) : path.resolve(repoRoot, '../shared');

export function sharedPath(...parts: string[]): string {
  return path.join(sharedDir, ...parts);
}

const skipped = new WeakSet<Test>();

/**
 * Mark the test as skipped in tap's own terms (it then counts as a skip, not a pass): `t.plan(0, reason)` when
 * nothing was asserted yet, else a skipped child test carrying the reason. Once per test.
 */
export function skipTest(t: Test, reason: string): void {
  if (skipped.has(t)) return;
  skipped.add(t);
  if (t.count === 0 && !t.occupied) t.plan(0, reason);
  else void t.test(reason, { skip: reason }, () => {});
}

/**
 * A path under the shared folder, or null when it is missing. In CI (CI=true) a missing file fails the test;
 * elsewhere the test is skipped (a tap skip, with the reason).
 */
export function requireShared(t: Test, ...parts: string[]): string | null {
  const p = sharedPath(...parts);
  if (existsSync(p)) return p;
  const msg = `shared material missing: ${p} (set CLEARCLIP_SHARED to the folder holding fixtures/, vocab/, images/)`;
  if (process.env.CI === 'true') t.fail(msg);
  else skipTest(t, msg);
  return null;
}

/** Skip (a tap skip) when the adapter lacks a feature; in CI too, since which adapter CI has is not the test's choice. */
export function skipUnlessFeature(t: Test, has: boolean, reason: string): boolean {
  if (!has) skipTest(t, reason);
  return has;
}

/** One float tensor of a safetensors file, through the library's own reader. */
export async function readF32(file: string, name: string): Promise<{ shape: number[]; data: Float32Array }> {
  const { SafetensorsFile } = await import('@clearclip/tensor/safetensors');
  const f = await SafetensorsFile.open(file);
  try {
    return { shape: f.entry(name).shape.slice(), data: await f.readFloat32(name) };
  } finally {
    await f.close();
  }
}
