// `clearclip cache list | prune`: what the clearclip cache holds (converted weights, query features) and freeing it.
import { parseArgs } from 'node:util';
import { defaultCacheDir } from '../queries.js';
import { listCache, pruneCache, type CacheEntry } from '../runtime-cache.js';

export const CACHE_USAGE = `usage: clearclip cache list [--cache-dir DIR] [--json]
       clearclip cache prune [--older-than DAYS] [--queries] [--all] [--dry-run] [--cache-dir DIR]

The cache ($CLEARCLIP_CACHE, default ~/.cache/clearclip) holds one converted copy of each checkpoint per dtype
(runtime/, about the checkpoint's size in f32 and half in f16; ViT-B/16 is about 570 MiB f32) and query features
(queries/, 2 KiB per class name and model). Hub downloads live in the Hugging Face cache, not here.

prune removes converted weights not used for --older-than days (default 30), stray temporaries, and with
--queries the query features too; --all removes everything in both.
`;

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

function row(e: CacheEntry): string {
  const files = e.files === undefined ? '' : ` (${e.files} files)`;
  return `${e.kind.padEnd(9)} ${mib(e.bytes).padStart(11)}  last used ${e.lastUsed.toISOString().slice(0, 16).replace('T', ' ')}  ${e.path}${files}`;
}

export async function cacheCli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(CACHE_USAGE);
    return cmd ? 0 : 2;
  }
  const { values: a } = parseArgs({
    args: rest,
    options: {
      'cache-dir': { type: 'string' },
      json: { type: 'boolean' },
      'older-than': { type: 'string' },
      queries: { type: 'boolean' },
      all: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (a.help) {
    process.stdout.write(CACHE_USAGE);
    return 0;
  }
  const dir = a['cache-dir'] ?? defaultCacheDir();
  if (cmd === 'list') {
    const entries = await listCache(dir);
    if (a.json) {
      process.stdout.write(JSON.stringify({ cacheDir: dir, entries, bytes: entries.reduce((s, e) => s + e.bytes, 0) }, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(`${dir}\n`);
    for (const e of entries) process.stdout.write(`  ${row(e)}\n`);
    process.stdout.write(`  total ${mib(entries.reduce((s, e) => s + e.bytes, 0))} in ${entries.length} entries\n`);
    return 0;
  }
  if (cmd === 'prune') {
    let days = 30;
    if (a['older-than'] !== undefined) {
      days = Number(a['older-than']);
      if (!Number.isFinite(days) || days < 0) throw new Error(`--older-than: expected a number of days >= 0, got "${a['older-than']}"`);
    }
    if (a.all) days = 0;
    const r = await pruneCache(dir, { olderThanDays: days, queries: a.queries || a.all, dryRun: a['dry-run'] });
    for (const e of r.removed) process.stdout.write(`${a['dry-run'] ? 'would remove' : 'removed'} ${row(e)}\n`);
    process.stdout.write(`${a['dry-run'] ? 'would free' : 'freed'} ${mib(r.freedBytes)} in ${r.removed.length} entries from ${dir}\n`);
    return 0;
  }
  throw new Error(`cache: unknown command "${cmd}"\n${CACHE_USAGE}`);
}
