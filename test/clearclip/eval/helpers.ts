import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Test } from 'tap';

export function tempDir(t: Test, prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), `clearclip-${prefix}-`));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export function readJson(file: string): any {
  return JSON.parse(readFileSync(file, 'utf8'));
}
