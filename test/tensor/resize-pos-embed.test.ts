import t from 'tap';
import { concat, permute, resizeBicubic, slice, reference, type Tensor, type GpuDevice } from '@clearclip/tensor';
import { testDevice } from '../helpers/device.js';
import { readF32, requireShared } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/assert.js';

/*
 * Fixture README point 5: upstream interpolates the pretrained [n, n] position grid with
 * F.interpolate(grid [1, D, n, n], scale_factor=((gh + 0.1)/n, (gw + 0.1)/n), mode='bicubic', align_corners=False)
 * and keeps the CLS row. Reproduce vision.pos_embed_<gh>x<gw> from visual.positional_embedding with our ops.
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

function interpolate(dev: GpuDevice, pos: Tensor, n: number, gh: number, gw: number): Tensor {
  return dev.scope(() => {
    const d = pos.shape[1];
    const grid = permute(slice(pos, 0, 1, 1 + n * n).reshape([n, n, d]), [2, 0, 1]); // [D, n, n]
    const resized = resizeBicubic(grid, (gh + 0.1) / n, (gw + 0.1) / n); // [D, gh, gw]
    const rows = permute(resized, [1, 2, 0]).reshape([gh * gw, d]);
    return concat([slice(pos, 0, 0, 1), rows], 0);
  });
}

t.test('position-embedding interpolation reproduces the fixture (GPU f32 and float64 reference)', async (t) => {
  const modelPath = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  const refPath = requireShared(t, 'fixtures', 'clip-tiny-b16', 'reference.safetensors');
  if (!modelPath || !refPath) return;
  const pe = await readF32(modelPath, 'visual.positional_embedding');
  const [tokens, d] = pe.shape;
  const n = Math.round(Math.sqrt(tokens - 1));
  t.equal(n * n + 1, tokens, `positional_embedding [${pe.shape}] is a square grid of ${n}x${n} plus CLS`);

  const dev = await testDevice();
  const pos = dev.tensor(pe.data, pe.shape);
  for (const [gh, gw] of grids) {
    const want = await readF32(refPath, `vision.pos_embed_${gh}x${gw}`);
    t.same(want.shape, [1 + gh * gw, d], `fixture vision.pos_embed_${gh}x${gw} shape`);
    const maxRef = want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const opts = { atol: 1e-6 * maxRef, rtol: 0, shape: want.shape };

    const out = interpolate(dev, pos, n, gh, gw);
    t.same(out.shape, want.shape);
    assertClose(t, await out.read(), want.data, opts, `GPU f32 pos_embed ${gh}x${gw} vs fixture`);
    out.dispose();

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
