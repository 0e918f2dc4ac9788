// The converted-weights cache: keyed by the checkpoint's content (copies share one converted file), pruned by age,
// listed by `clearclip cache list`; and the QuickGELU warning for checkpoints whose path says OpenAI but whose
// config does not say which activation.
import t from 'tap';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveWeights } from '../../packages/clearclip/src/model-files.js';
import { listCache, pruneCache } from '../../packages/clearclip/src/runtime-cache.js';
import { main } from '../../packages/clearclip/src/cli/main.js';
import { requireShared } from '../helpers/fixtures.js';

function checkpointCopy(dir: string, weights: string, config: string, cfgEdit?: (c: Record<string, unknown>) => void): string {
  mkdirSync(dir, { recursive: true });
  const w = path.join(dir, 'open_clip_model.safetensors');
  copyFileSync(weights, w);
  const cfg = JSON.parse(readFileSync(config, 'utf8'));
  cfgEdit?.(cfg);
  writeFileSync(path.join(dir, 'open_clip_config.json'), JSON.stringify(cfg));
  return w;
}

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  try {
    return { code: await fn(), out };
  } finally {
    process.stdout.write = write;
  }
}

t.test('copies of one checkpoint share one converted file; list and prune', async (t) => {
  const w = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  const c = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_config.json');
  if (!w || !c) return;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'clearclip-rtcache-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const cache = path.join(tmp, 'cache');
  const a = checkpointCopy(path.join(tmp, 'a'), w, c);
  const b = checkpointCopy(path.join(tmp, 'b'), w, c);
  const ra = await resolveWeights({ weights: a, dtype: 'f32', cacheDir: cache });
  const rb = await resolveWeights({ weights: b, dtype: 'f32', cacheDir: cache });
  t.equal(rb, ra, 'the second copy reuses the first conversion');
  const rf16 = await resolveWeights({ weights: b, dtype: 'f16', cacheDir: cache });
  t.not(rf16, ra, 'another dtype is another file');
  const runtime = readdirSync(path.join(cache, 'runtime')).filter((f) => f.endsWith('.safetensors'));
  t.equal(runtime.length, 2, `two converted files: ${runtime.join(', ')}`);
  t.notOk(readdirSync(path.join(cache, 'runtime')).some((f) => /\.(tmp|incomplete)$/.test(f)), 'no temporaries left');

  const entries = await listCache(cache);
  t.equal(entries.filter((e) => e.kind === 'runtime').length, 2, 'list shows both');
  const { code, out } = await capture(() => main(['cache', 'list', '--cache-dir', cache]));
  t.equal(code, 0);
  t.match(out, /runtime .* MiB .*-f16\.safetensors/, 'the CLI lists them');

  // ra unused for 40 days, rf16 used now: prune at 30 days removes ra only; a stray temporary goes too.
  const old = new Date(Date.now() - 40 * 86_400_000);
  utimesSync(ra, old, old);
  const stray = path.join(cache, 'runtime', 'x.safetensors.123.abcd.incomplete');
  writeFileSync(stray, 'partial');
  utimesSync(stray, old, old);
  const dry = await pruneCache(cache, { dryRun: true });
  t.same(dry.removed.map((e) => path.basename(e.path)).sort(), [path.basename(ra), path.basename(stray)].sort(), 'dry run names the old file and the stray temporary');
  t.ok(existsSync(ra), 'dry run removes nothing');
  const pr = await capture(() => main(['cache', 'prune', '--cache-dir', cache]));
  t.equal(pr.code, 0);
  t.match(pr.out, /freed [\d.]+ MiB in 2 entries/);
  t.notOk(existsSync(ra), 'the old conversion is gone');
  t.ok(existsSync(rf16), 'the recent one stays');
  const again = await resolveWeights({ weights: a, dtype: 'f32', cacheDir: cache });
  t.equal(again, ra, 'converted again on demand, same name');
  const all = await capture(() => main(['cache', 'prune', '--all', '--cache-dir', cache]));
  t.equal(all.code, 0);
  t.same((await listCache(cache)).length, 0, '--all empties the cache');
});

t.test('QuickGELU: a warning for OpenAI-looking checkpoints whose config is silent; the choice keys the cache', async (t) => {
  const w = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  const c = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_config.json');
  if (!w || !c) return;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'clearclip-qg-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const cache = path.join(tmp, 'cache');
  const silent = (cfg: Record<string, unknown>) => delete (cfg.model_cfg as Record<string, unknown>).quick_gelu;
  const openai = checkpointCopy(path.join(tmp, 'timm--vit_base_patch16_clip_224.openai'), w, c, silent);
  const other = checkpointCopy(path.join(tmp, 'laion-model'), w, c, silent);
  const logs: string[] = [];
  const log = (m: string) => logs.push(m);
  const g = await resolveWeights({ weights: openai, dtype: 'f32', cacheDir: cache, log });
  t.equal(logs.length, 1, 'one warning');
  t.match(logs[0], /looks like OpenAI or MetaCLIP weights .* does not record quick_gelu, so GELU is used\. Pass quickGelu: true \(--quick-gelu\)/);
  logs.length = 0;
  const q = await resolveWeights({ weights: openai, dtype: 'f32', cacheDir: cache, log, quickGelu: true });
  t.same(logs, [], 'no warning once chosen');
  t.not(q, g, 'QuickGELU and GELU conversions are different cache files');
  const { SafetensorsFile } = await import('@clearclip/tensor/safetensors');
  const f = await SafetensorsFile.open(q);
  t.equal(JSON.parse(f.metadata.open_clip_config).model_cfg.quick_gelu, true, 'the forced choice is recorded in the converted config');
  await f.close();
  await resolveWeights({ weights: other, dtype: 'f32', cacheDir: cache, log });
  t.same(logs, [], 'no warning for a path that does not say OpenAI');
});
