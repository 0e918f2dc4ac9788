import t from 'tap';
import { ClipTokenizer } from '@clearclip/vit';
import { OPENAI_IMAGENET_TEMPLATES, lengthBatches, planPrefixGroups, queryFeatures } from 'clearclip';
import { tolerances } from '../../packages/clearclip/src/parity/tolerances.js';
import { requireShared, skipUnlessFeature } from '../helpers/fixtures.js';
import { testDevice } from '../helpers/device.js';
import { loadFixtureClip } from './helpers/fixture-model.js';

const EOT = 49407;

t.test('lengthBatches: stable order by length, one run per length', async (t) => {
  t.same(lengthBatches([5, 3, 5, 4, 3]), [
    { length: 3, prompts: [1, 4] },
    { length: 4, prompts: [3] },
    { length: 5, prompts: [0, 2] },
  ]);
});

t.test('planPrefixGroups: shared prefix per template, suffixes keep their end-of-text, buckets by length', async (t) => {
  const ctx = 8;
  const row = (...v: number[]) => [...v, ...new Array(ctx - v.length).fill(0)];
  // Template 0: prefix [1, 10, 11]; class suffixes [20, EOT], [21, 22, EOT], [23, EOT].
  const t0 = Int32Array.from([row(1, 10, 11, 20, EOT), row(1, 10, 11, 21, 22, EOT), row(1, 10, 11, 23, EOT)].flat());
  // Template 1: the class comes first, so the prefix is [1] alone.
  const t1 = Int32Array.from([row(1, 20, 12, EOT), row(1, 21, 22, 12, EOT), row(1, 23, 12, EOT)].flat());
  // Template 2: every class starts with the same token 30: it joins the prefix.
  const t2 = Int32Array.from([row(1, 10, 30, 20, EOT), row(1, 10, 30, 21, 22, EOT), row(1, 10, 30, 23, EOT)].flat());
  const pre = (...v: number[]) => Int32Array.from(v);
  const { groups, whole } = planPrefixGroups([t0, t1, t2], [pre(1, 10, 11), pre(1), pre(1, 10, 30)], 3, ctx, EOT);
  t.same(whole, [], 'every row starts with its template prefix');
  t.same(groups.map((g) => [g.P, g.templates]), [[1, [1]], [3, [0, 2]]]);
  const g3 = groups[1];
  t.same(Array.from(g3.prefixIds), [1, 10, 11, 1, 10, 30]);
  t.same(g3.buckets.map((b) => [b.S, b.classes]), [[2, [0, 2]], [3, [1]]]);
  t.same(Array.from(g3.buckets[0].ids), [20, EOT, 23, EOT, 20, EOT, 23, EOT], '[G, C, S] template-major');
  // A row that does not start with its template's prefix runs whole, for that template only.
  const odd = planPrefixGroups([t0, t2], [pre(1, 10, 11), pre(1, 10, 11)], 3, ctx, EOT);
  t.same(odd.whole, [[1, 0], [1, 1], [1, 2]], 'template 1 does not match its prefix: whole prompts');
  t.same(odd.groups.map((g) => [g.P, g.templates, g.buckets.flatMap((b) => b.classes)]), [[3, [0], [0, 2, 1]]]);
  // The prefix may take all but the end-of-text token.
  const one = planPrefixGroups([t0.subarray(0, ctx)], [pre(1, 10, 11, 20)], 1, ctx, EOT);
  t.same([one.groups[0].P, one.groups[0].buckets[0].S, Array.from(one.groups[0].buckets[0].ids)], [4, 1, [EOT]]);
  // Row limits split a bucket's classes.
  const capped = planPrefixGroups([t0, t2], [pre(1, 10, 11), pre(1, 10, 30)], 3, ctx, EOT, () => 2);
  t.same(capped.groups[0].buckets.map((b) => b.classes), [[0], [2], [1]], 'two templates x one class per call');
});

function worst(a: Float32Array, b: Float32Array): { maxAbs: number; at: number; differ: number; maxRef: number } {
  let maxAbs = 0;
  let at = -1;
  let differ = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (a[i] !== b[i]) differ++;
    if (d > maxAbs) [maxAbs, at] = [d, i];
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  return { maxAbs, at, differ, maxRef };
}

for (const dtype of ['f32', 'f16'] as const) {
  t.test(`query features: length batches and EOT-only last layer are bit-identical, prefix cache within the parity tolerance (${dtype})`, async (t) => {
    const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
    if (dtype === 'f16' && !skipUnlessFeature(t, (await testDevice()).hasF16, 'no shader-f16 on this adapter')) return;
    const clip = await loadFixtureClip(t, dtype);
    if (!clip || !vocab) return;
    const tok = await ClipTokenizer.fromBpeGz(vocab);
    // Names of 1 to several tokens, one sharing its first word with another (the prefix then takes it in).
    const names = ['sky', 'potted plant', 'potted tree', 'a very long class name with many words in it', 'horse'];
    const templates = OPENAI_IMAGENET_TEMPLATES;
    const fifo = await queryFeatures(clip, tok, names, { cacheDir: null, plan: 'fifo', batch: 64 });
    const byLength = await queryFeatures(clip, tok, names, { cacheDir: null, plan: 'length', batch: 64 });
    let w = worst(byLength, fifo);
    t.equal(w.differ, 0, `length batches: ${w.differ} of ${fifo.length} differ (max |diff| ${w.maxAbs} at ${w.at})`);

    // EOT-only last layer against the whole last layer, on the same rows.
    const ctx = clip.config.text.contextLength;
    const prompts = templates.slice(0, 16).map((f) => f('potted plant'));
    const ids = tok.tokenize(prompts, ctx);
    const dev = clip.device;
    const eotOnly = await dev.scopeAsync(async () => clip.text.encodeText(ids, prompts.length, { eotOnly: true }).readFloat());
    const allRows = await dev.scopeAsync(async () => clip.text.encodeText(ids, prompts.length, { eotOnly: false }).readFloat());
    w = worst(eotOnly, allRows);
    t.equal(w.differ, 0, `EOT-only last layer: ${w.differ} of ${eotOnly.length} differ (max |diff| ${w.maxAbs} at ${w.at})`);

    const sizes: number[][] = [];
    const prefix = await queryFeatures(clip, tok, names, { cacheDir: null, plan: 'prefix', onBatch: (n, s) => sizes.push([n, s]) });
    t.equal(sizes.reduce((n, [r]) => n + r, 0), names.length * templates.length, 'every prompt runs once');
    const meanS = sizes.reduce((n, [r, s]) => n + r * s, 0) / (names.length * templates.length);
    t.comment(`prefix plan: ${sizes.length} suffix batches, ${meanS.toFixed(2)} tokens per prompt run per class`);
    // A class's features do not depend on the other classes asked for with it (the cache stores them per class).
    const E = clip.config.embedDim;
    const alone = await queryFeatures(clip, tok, ['potted plant'], { cacheDir: null, plan: 'prefix' });
    const inSet = prefix.subarray(E, 2 * E);
    w = worst(alone, inSet);
    t.equal(w.differ, 0, `alone vs in a set of ${names.length}: ${w.differ} of ${E} differ (max |diff| ${w.maxAbs})`);
    w = worst(prefix, fifo);
    const tol = tolerances(dtype).queries * w.maxRef;
    t.ok(w.maxAbs <= tol, `prefix cache: max |diff| ${w.maxAbs.toExponential(2)} at ${w.at} (fifo ${fifo[w.at]}, prefix ${prefix[w.at]}) <= ${tol.toExponential(2)}`);
  });
}
