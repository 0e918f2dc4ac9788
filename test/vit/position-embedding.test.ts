import t from 'tap';
import { reference } from '@clearclip/tensor';
import { readF32, requireShared } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/assert.js';
import { loadFixtureClip } from '../clearclip/helpers/fixture-model.js';

/*
 * Fixture README point 5: upstream interpolates the pretrained [n, n] position grid with
 * F.interpolate(grid [1, D, n, n], scale_factor=((gh + 0.1)/n, (gw + 0.1)/n), mode='bicubic', align_corners=False)
 * and keeps the CLS row. VisionTransformer.positionEmbedding (the method the forward uses) must reproduce
 * vision.pos_embed_<gh>x<gw>; so must the float64 reference on the same layout.
 *
 * Tolerances, relative to max|ref| (~0.5): the fixture is float64 math stored as f32, so it is within 2^-24 relative
 * of the exact result; the float64 reference adds ~1e-16, hence 1e-6 is loose for it. The f32 GPU path adds f32
 * weights and sums (about 1e-7 relative, see resize.test.ts), so 1e-6 relative holds too.
 */
const grids: [number, number][] = [
  [13, 14],
  [14, 20],
  [28, 28],
];

t.test('position-embedding interpolation reproduces the fixture (GPU f32 and float64 reference)', async (t) => {
  const modelPath = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  const refPath = requireShared(t, 'fixtures', 'clip-tiny-b16', 'reference.safetensors');
  if (!modelPath || !refPath) return;
  const pe = await readF32(modelPath, 'visual.positional_embedding');
  const [tokens, d] = pe.shape;
  const n = Math.round(Math.sqrt(tokens - 1));
  t.equal(n * n + 1, tokens, `positional_embedding [${pe.shape}] is a square grid of ${n}x${n} plus CLS`);

  const clip = await loadFixtureClip(t, 'f32');
  if (!clip) return;
  t.equal(clip.visual.pretrainedGrid, n, 'the model sees the same pretrained grid');
  for (const [gh, gw] of grids) {
    const want = await readF32(refPath, `vision.pos_embed_${gh}x${gw}`);
    t.same(want.shape, [1 + gh * gw, d], `fixture vision.pos_embed_${gh}x${gw} shape`);
    const maxRef = want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const opts = { atol: 1e-6 * maxRef, rtol: 0, shape: want.shape };

    const out = clip.visual.positionEmbedding(gh, gw); // cached by the model: not disposed here
    t.same(out.shape, want.shape);
    assertClose(t, await out.read(), want.data, opts, `VisionTransformer.positionEmbedding(${gh}, ${gw}) vs fixture`);

    // The float64 reference on the same [D, n, n] layout, built on the host with the reference permutes.
    const grid = reference.permuteRef(pe.data.subarray(d), [n, n, d], [2, 0, 1]);
    const resized = reference.resizeBicubicRef(grid, [d, n, n], (gh + 0.1) / n, (gw + 0.1) / n);
    const rows = reference.permuteRef(resized, [d, gh, gw], [1, 2, 0]);
    const full = new Float64Array((1 + gh * gw) * d);
    full.set(pe.data.subarray(0, d));
    full.set(rows, d);
    assertClose(t, full, want.data, opts, `float64 reference pos_embed ${gh}x${gw} vs fixture`);
  }
});

t.test('a grid equal to the pretrained one still changes (scale n/(n + 0.1), not 1)', async (t) => {
  const modelPath = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  if (!modelPath) return;
  const pe = await readF32(modelPath, 'visual.positional_embedding');
  const d = pe.shape[1];
  const n = Math.round(Math.sqrt(pe.shape[0] - 1));
  const grid = reference.permuteRef(pe.data.subarray(d), [n, n, d], [2, 0, 1]);
  const same = reference.resizeBicubicRef(grid, [d, n, n], (n + 0.1) / n, (n + 0.1) / n);
  let maxDiff = 0;
  for (let i = 0; i < same.length; i++) maxDiff = Math.max(maxDiff, Math.abs(same[i] - grid[i]));
  t.ok(maxDiff > 1e-3, `resampling ${n}x${n} -> ${n}x${n} with scale ${(n + 0.1) / n} moves values (max change ${maxDiff.toExponential(3)})`);
});
