import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { SafetensorsFile } from '@clearclip/tensor/safetensors';
import { runParity } from '../../packages/clearclip/src/parity/run.js';
import { formatRows } from '../../packages/clearclip/src/parity/compare.js';
import { tolerances } from '../../packages/clearclip/src/parity/tolerances.js';
import { type StateDict, encodeDense, encodeImage, encodeText, positionEmbedding, refConfigFromOpenClip } from '../helpers/clip-reference.js';
import { type FixtureSpec, makeFixture } from '../helpers/make-fixture.js';
import { testDevice } from '../helpers/device.js';
import { requireShared } from '../helpers/fixtures.js';
import { relativeError } from '../helpers/compare.js';

// `npm run parity` must work unchanged on fixtures of the clip-tiny-b16 layout with other seeds, patch sizes, widths,
// head sizes that are not powers of two, GELU or QuickGELU and other strings. The only upstream fixture is
// QuickGELU / patch 16 / head 16, so synthetic fixtures get their references from an independent float64 forward
// (test/helpers/clip-reference.ts), which is first checked against that upstream fixture.


t.test('float64 reference reproduces the upstream clip-tiny-b16 tensors', async (t) => {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  if (!dir) return;
  const model = await SafetensorsFile.open(path.join(dir, 'open_clip_model.safetensors'));
  const ref = await SafetensorsFile.open(path.join(dir, 'reference.safetensors'));
  try {
    const sd: StateDict = new Map();
    for (const n of model.names()) sd.set(n, { shape: model.entry(n).shape, data: await model.readFloat32(n) });
    const cfg = refConfigFromOpenClip(JSON.parse(await readFile(path.join(dir, 'open_clip_config.json'), 'utf8')));
    // Upstream computed in float64 and stored float32, so what remains is float32 rounding of its outputs (~6e-8
    // relative); 1e-6 would still catch any wrong term, which moves these tensors by 1e-3 or more.
    const tol = 1e-6;
    const check = async (name: string, ours: ArrayLike<number>) => {
      const e = relativeError(ours, await ref.readFloat32(name));
      t.ok(e <= tol, `${name}: max|diff|/max|ref| = ${e.toExponential(2)}`);
    };
    const img224 = await ref.readFloat32('vision.input_224');
    const trace = encodeImage(sd, cfg, img224, 224, 224);
    await check('vision.embed_224', trace.embed);
    await check('vision.block2_224', trace.blocks[2]);
    await check('vision.pooled_224', trace.pooled);
    for (const v of ['vanilla', 'ClearCLIP', 'MaskCLIP', 'SCLIP'] as const) {
      await check(`dense.${v}.noresid_224`, encodeDense(sd, cfg, img224, 224, 224, v, false));
    }
    await check('dense.SCLIP.resid_224', encodeDense(sd, cfg, img224, 224, 224, 'SCLIP', true));
    await check('dense.ClearCLIP.noresid_224x320', encodeDense(sd, cfg, await ref.readFloat32('vision.input_224x320'), 224, 320, 'ClearCLIP', false));
    await check('vision.pos_embed_13x14', positionEmbedding(sd, 13, 14));
    await check('vision.pos_embed_28x28', positionEmbedding(sd, 28, 28));
    const ids = await ref.readInt32('text.ids');
    await check('text.features', encodeText(sd, cfg, ids, ref.entry('text.ids').shape[0]));
  } finally {
    await model.close();
    await ref.close();
  }
});

const fixtures: [string, FixtureSpec][] = [
  [
    'GELU, patch 14, vision heads of 12, text heads of 12',
    {
      seed: 20240611,
      quickGelu: false,
      embedDim: 24,
      vision: { imageSize: 56, patch: 14, width: 36, headWidth: 12, layers: 2 },
      text: { width: 24, heads: 2, layers: 2 },
      // 70x42 -> a 5x3 grid (interpolated); 28x112 -> 2x8, the 16 pretrained positions reused as they are.
      extraInputs: [[70, 42], [28, 112]],
      posGrids: [[5, 3], [2, 8], [6, 6]],
      prompts: ['a photo of a horse.', 'sky', 'a literal <end_of_text> ends the pooling early', `a long prompt ${'with many words '.repeat(20)}`],
      strings: ['sky', 'A Photo of a HORSE.', '', "it's 2024 &amp; café"],
    },
  ],
  [
    'QuickGELU, patch 8, vision heads of 10, text heads of 10, 3 vision layers',
    {
      seed: 77,
      quickGelu: true,
      embedDim: 20,
      vision: { imageSize: 40, patch: 8, width: 30, headWidth: 10, layers: 3 },
      text: { width: 30, heads: 3, layers: 1 },
      // 56x40 -> 7x5 (35 tokens against 25 pretrained positions).
      extraInputs: [[56, 40]],
      posGrids: [[7, 5], [3, 3], [9, 4]],
      prompts: ['grass', 'a bad photo of the tree.'],
      strings: ['hill', 'the toy horse.'],
    },
  ],
];

const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
for (const [what, spec] of fixtures) {
  t.test(`npm run parity on a synthetic fixture: ${what}`, async (t) => {
    if (!vocab) return;
    const t0 = performance.now();
    const fx = await makeFixture(spec, vocab);
    const t1 = performance.now();
    t.teardown(() => rm(fx.dir, { recursive: true, force: true }));
    const dev = await testDevice();
    const rows = await runParity(dev, fx.dir, { dtype: 'f32', vocab });
    t.comment(`fixture built in ${((t1 - t0) / 1000).toFixed(1)} s, parity in ${((performance.now() - t1) / 1000).toFixed(1)} s\n${formatRows(rows)}`);
    t.same(rows.map((r) => r.name).sort(), [...fx.names].sort(), 'one row per reference tensor');
    const inputs = fx.names.filter((n) => n.startsWith('vision.input_'));
    t.same(rows.filter((r) => r.status === 'input').map((r) => r.name).sort(), inputs.sort(), 'only the inputs are not compared');
    const tol = tolerances('f32').tower;
    for (const r of rows) {
      if (r.status === 'input') continue;
      t.equal(r.status, 'pass', `${r.name}: ${r.maxAbs ?? '-'} (${r.rel?.toExponential(2) ?? '-'} rel, tol ${r.tol ?? '-'})${r.note ? ` ${r.note}` : ''}`);
      if (r.rel !== undefined) t.ok(r.rel <= tol, `${r.name} within ${tol} relative`);
    }
  });
}
