import t from 'tap';
import { mkdtemp, readdir, rm, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClipTokenizer } from '@clearclip/vit';
import { OPENAI_IMAGENET_TEMPLATES, queryFeatures, trimTokenRows } from 'clearclip';
import { requireShared, skipUnlessFeature } from '../helpers/fixtures.js';
import { testDevice } from '../helpers/device.js';
import { loadFixtureClip } from './helpers/fixture-model.js';

const EOT = 49407;

t.test('trimTokenRows: cut after the longest row end-of-text; rows without one count as full length', async (t) => {
  const ctx = 8;
  const ids = Int32Array.from([
    [1, 5, EOT, 0, 0, 0, 0, 0],
    [1, 5, 6, 7, EOT, 0, 0, 0],
    [1, EOT, 0, 0, 0, 0, 0, 0],
  ].flat());
  const r = trimTokenRows(ids, 3, ctx, EOT);
  t.equal(r.length, 5);
  t.same(Array.from(r.ids), [1, 5, EOT, 0, 0, 1, 5, 6, 7, EOT, 1, EOT, 0, 0, 0]);
  const full = Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 1, EOT, 0, 0, 0, 0, 0, 0]);
  t.equal(trimTokenRows(full, 2, ctx, EOT).length, ctx, 'a row without end-of-text keeps all columns');
  t.equal(trimTokenRows(full, 2, ctx, EOT).ids, full, 'and the array is returned as is');
  // Truncated rows end with end-of-text at the last index.
  const cut = Int32Array.from([1, 2, 3, 4, 5, 6, 7, EOT]);
  t.equal(trimTokenRows(cut, 1, ctx, EOT).length, ctx);
});

// Why this is exact and not merely close: the causal mask makes every score after a row's own position -inf, whose
// exp is exactly 0, and the pooled end-of-text row sits before the cut. Rows of up to 1024 columns take the softmax
// kernel that gives each row one invocation summing its columns in ascending order (softmax_rows.wgsl; 77 <= 1024),
// so the non-zero terms are summed in the same order whatever the row length and the extra terms are exact zeros
// added after them; likewise in weights x v.
// Every other op is row-wise. So no rounding can differ, in f32 or f16.
for (const dtype of ['f32', 'f16'] as const)
t.test(`text tower on trimmed rows equals the full 77-token rows bit for bit (${dtype})`, async (t) => {
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  if (dtype === 'f16' && !skipUnlessFeature(t, (await testDevice()).hasF16, 'no shader-f16 on this adapter')) return;
  const clip = await loadFixtureClip(t, dtype);
  if (!clip || !vocab) return;
  const tok = await ClipTokenizer.fromBpeGz(vocab);
  const ctx = clip.config.text.contextLength;
  // Rows of different lengths in one batch, as queryFeatures batches them: short rows have padding both before
  // and after the cut, the longest row none after it.
  const prompts = [...OPENAI_IMAGENET_TEMPLATES.slice(0, 12).map((f) => f('horse')), 'sky', 'a photo of a potted plant next to a dining table and a tv monitor.'];
  const full = tok.tokenize(prompts, ctx);
  const trimmed = trimTokenRows(full, prompts.length, ctx, tok.eotId);
  t.ok(trimmed.length < 25, `rows cut to ${trimmed.length} of ${ctx} tokens`);
  const dev = clip.device;
  const a = await dev.scopeAsync(async () => clip.encodeText(full, prompts.length).readFloat());
  const b = await dev.scopeAsync(async () => clip.encodeText(trimmed.ids, prompts.length).readFloat());
  let differ = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) differ++;
    maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
  }
  t.equal(differ, 0, `${differ} of ${a.length} features differ (max |diff| ${maxAbs})`);
});

t.test('query cache: a second call reads the cache, new names only run the new prompts', async (t) => {
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  const clip = await loadFixtureClip(t);
  if (!clip || !vocab) return;
  const tok = await ClipTokenizer.fromBpeGz(vocab);
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'clearclip-queries-'));
  t.teardown(() => rm(cacheDir, { recursive: true, force: true }));
  const E = clip.config.embedDim;
  let prompts = 0;
  const opts = { cacheDir, onBatch: (n: number) => void (prompts += n) };

  const first = await queryFeatures(clip, tok, ['sky', ' horse'], opts);
  t.equal(prompts, 160, 'first call: 2 names x 80 templates through the text tower');
  t.equal(first.length, 2 * E);
  for (let k = 0; k < 2; k++) {
    const n = Math.hypot(...first.subarray(k * E, (k + 1) * E));
    t.ok(Math.abs(n - 1) < 1e-6, `query ${k} is unit length (${n})`);
  }

  prompts = 0;
  const again = await queryFeatures(clip, tok, ['sky', ' horse'], opts);
  t.equal(prompts, 0, 'second call: no text-tower batch');
  t.same(again, first, 'identical values from the cache');

  prompts = 0;
  const mixed = await queryFeatures(clip, tok, ['tree', ' horse'], opts);
  t.equal(prompts, 80, 'only the new name runs');
  t.same(mixed.subarray(E, 2 * E), first.subarray(E, 2 * E), 'cached name reused');
  const tree = await queryFeatures(clip, tok, ['tree'], { cacheDir: null });
  // Same prompts, same batch (80 rows, trimmed to the same length): the same numbers.
  t.same(mixed.subarray(0, E), tree, 'new name computed as without a cache');

  // The cache key is the exact name: " horse" and "horse" are different files, although the tokenizer maps
  // both to the same prompts (upstream keeps the space too).
  prompts = 0;
  await queryFeatures(clip, tok, ['horse'], opts);
  t.equal(prompts, 80, '"horse" is not " horse"');

  // A damaged cache file (wrong size) is recomputed, not trusted.
  const dir = path.join(cacheDir, 'queries');
  const [model] = await readdir(dir);
  const files = await readdir(path.join(dir, model));
  t.equal(files.filter((f) => f.endsWith('.f32')).length, 4, 'one file per name: sky, " horse", tree, horse');
  for (const f of files) await truncate(path.join(dir, model, f), 10);
  prompts = 0;
  const redone = await queryFeatures(clip, tok, ['sky'], opts);
  t.equal(prompts, 80, 'truncated file recomputed');
  t.same(redone, first.subarray(0, E));

  // Other templates: another cache folder.
  prompts = 0;
  await queryFeatures(clip, tok, ['sky'], { ...opts, templates: [(c) => `a photo of a ${c}.`] });
  t.equal(prompts, 1, 'different templates do not hit the cache');
});
