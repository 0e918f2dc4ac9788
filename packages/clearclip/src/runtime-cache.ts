/**
 * The converted-weights cache: `<cache>/runtime/<sha256 of the source, 20 hex>-<dtype>[-quickgelu|-gelu].safetensors`.
 * Keyed by the source's content, so copies of one checkpoint (moved, re-downloaded, touched) share one converted file.
 * Hashing a 600 MB checkpoint takes seconds, so `index.json` remembers the hash per (path, size, mtime); losing an
 * entry (two processes writing at once) only costs a re-hash. Each use touches the file's mtime: `clearclip cache
 * prune` removes what has not been used for a while.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '@clearclip/weights-tools';
import { writeFileAtomic } from './fs-atomic.js';

interface IndexEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

export function runtimeDir(cacheDir: string): string {
  return path.join(cacheDir, 'runtime');
}

async function readIndex(dir: string): Promise<Record<string, IndexEntry>> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as Record<string, IndexEntry>;
  } catch {
    return {};
  }
}

/** The source's sha256, from the index when its path, size and mtime are unchanged. */
export async function sourceSha256(cacheDir: string, source: string): Promise<string> {
  const dir = runtimeDir(cacheDir);
  const abs = path.resolve(source);
  const st = await stat(abs);
  const index = await readIndex(dir);
  const hit = index[abs];
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha256;
  const sha256 = await sha256File(abs);
  await mkdir(dir, { recursive: true });
  const fresh = await readIndex(dir); // another process may have added entries meanwhile
  fresh[abs] = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
  await writeFileAtomic(path.join(dir, 'index.json'), JSON.stringify(fresh, null, 1)).catch(() => undefined);
  return sha256;
}

export function runtimeFileName(sha256: string, dtype: string, quickGelu: boolean | undefined): string {
  const act = quickGelu === undefined ? '' : quickGelu ? '-quickgelu' : '-gelu';
  return `${sha256.slice(0, 20)}-${dtype}${act}.safetensors`;
}

/** Mark a cached file as used now (prune keeps recently used files). */
export async function touch(file: string): Promise<void> {
  const now = new Date();
  await utimes(file, now, now).catch(() => undefined);
}

export interface CacheEntry {
  kind: 'runtime' | 'queries' | 'temporary';
  path: string;
  bytes: number;
  lastUsed: Date;
  /** Files in a query-feature folder. */
  files?: number;
}

async function folderStats(dir: string): Promise<{ bytes: number; files: number; lastUsed: number }> {
  let bytes = 0;
  let files = 0;
  let lastUsed = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (!e.isFile()) continue;
    const st = await stat(path.join(dir, e.name));
    bytes += st.size;
    files++;
    lastUsed = Math.max(lastUsed, st.mtimeMs);
  }
  return { bytes, files, lastUsed };
}

/** Everything in the clearclip cache: converted weights, query-feature folders (one per model), stray temporaries. */
export async function listCache(cacheDir: string): Promise<CacheEntry[]> {
  const out: CacheEntry[] = [];
  const rdir = runtimeDir(cacheDir);
  if (existsSync(rdir)) {
    for (const name of (await readdir(rdir)).sort()) {
      const p = path.join(rdir, name);
      const st = await stat(p);
      if (name.endsWith('.safetensors')) out.push({ kind: 'runtime', path: p, bytes: st.size, lastUsed: st.mtime });
      else if (/\.tmp$|\.incomplete$/.test(name)) out.push({ kind: 'temporary', path: p, bytes: st.size, lastUsed: st.mtime });
    }
  }
  const qdir = path.join(cacheDir, 'queries');
  if (existsSync(qdir)) {
    for (const name of (await readdir(qdir)).sort()) {
      const p = path.join(qdir, name);
      if (!(await stat(p)).isDirectory()) continue;
      const s = await folderStats(p);
      out.push({ kind: 'queries', path: p, bytes: s.bytes, files: s.files, lastUsed: new Date(s.lastUsed || Date.now()) });
    }
  }
  return out;
}

export interface PruneOptions {
  /** Remove entries unused for this many days (default 30); 0 removes every entry of the kinds chosen. */
  olderThanDays?: number;
  /** Also prune query-feature folders (they are small; default false). */
  queries?: boolean;
  dryRun?: boolean;
  now?: number;
}

/** Remove converted weights (and optionally query features) not used recently, and stray temporaries older than a day. */
export async function pruneCache(cacheDir: string, opts: PruneOptions = {}): Promise<{ removed: CacheEntry[]; freedBytes: number }> {
  const now = opts.now ?? Date.now();
  const days = opts.olderThanDays ?? 30;
  const removed: CacheEntry[] = [];
  for (const e of await listCache(cacheDir)) {
    const age = (now - e.lastUsed.getTime()) / 86_400_000;
    const stale =
      e.kind === 'temporary' ? age >= Math.min(1, days) : e.kind === 'runtime' ? age >= days : opts.queries === true && age >= days;
    if (!stale) continue;
    removed.push(e);
    if (!opts.dryRun) await rm(e.path, { recursive: true, force: true });
  }
  return { removed, freedBytes: removed.reduce((s, e) => s + e.bytes, 0) };
}
