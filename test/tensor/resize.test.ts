import t from 'tap';
import { resizeBilinear, resizeBicubic } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';
import { checkOpCases } from '../helpers/op-cases.js';
import { resizeBicubicCases, resizeBilinearCases, resizeTolerance } from '@clearclip/tensor/op-cases';

t.test('resizeBilinear matches the float64 reference (PyTorch align_corners=False; the op case table)', (t) => checkOpCases(t, resizeBilinearCases));

t.test('resizeBicubic matches the float64 reference (PyTorch scale_factor, A = -0.75; the op case table)', (t) => checkOpCases(t, resizeBicubicCases));

function input(shape: number[], seed: number): Float32Array {
  return uniform(shape.reduce((p, d) => p * d, 1), seed, -2, 2);
}

t.test('resizeBicubic with scale 0 and an explicit size maps coordinates with in/out (F.interpolate(size=...))', async (t) => {
  const dev = await testDevice();
  const x = input([3, 13, 14], 9);
  const y = resizeBicubic(dev.tensor(x, [3, 13, 14]), 0, 0, { outH: 200, outW: 300 });
  t.same(y.shape, [3, 200, 300]);
  const ref = reference.resizeBicubicRef(x, [3, 13, 14], 0, 0, { outH: 200, outW: 300 });
  assertClose(t, await y.read(), ref, resizeTolerance('f32', 3.2), 'resizeBicubic size mode [3, 13, 14] -> 200x300');
  // With an exact scale the two coordinate maps agree, so scale mode and size mode must give the same result.
  const bySize = resizeBicubic(dev.tensor(x, [3, 13, 14]), 0, 0, { outH: 26, outW: 42 });
  const byScale = resizeBicubic(dev.tensor(x, [3, 13, 14]), 2, 3);
  assertClose(t, await bySize.read(), await byScale.read(), { atol: 0, rtol: 0 }, 'size 26x42 == scale (2, 3)');
});

/*
 * Checks that do not go through either implementation of the formulas.
 * Bilinear: on a linear ramp v = a*y + b*x + c it returns the ramp at the source coordinate clamped to [0, in-1]
 * (the lower coordinate is clamped to 0 and the upper tap to the edge, both of which hold ramp values), everywhere.
 * Bicubic with A = -0.75 does not reproduce ramps (only A = -0.5 does), but at integer source positions its weights
 * are exactly [0, 1, 0, 0]: with scale 1/3, src = 3*dst + 1 under the 1/scale map (PyTorch with scale_factor),
 * whereas in/out = 14/4 would give non-integer positions. And any constant image stays constant (the weights sum to 1,
 * clamped taps included).
 */
t.test('bilinear on a linear ramp returns the ramp at the clamped PyTorch source coordinate', async (t) => {
  const dev = await testDevice();
  const [h, w, a, b, c] = [13, 14, 0.75, -0.5, 0.25];
  const ramp = Float32Array.from({ length: h * w }, (_, i) => a * Math.floor(i / w) + b * (i % w) + c);
  const [oh, ow] = [37, 9];
  const src = (o: number, inSize: number, outSize: number): number => Math.min(Math.max(((o + 0.5) * inSize) / outSize - 0.5, 0), inSize - 1);
  const want = Float64Array.from({ length: oh * ow }, (_, i) => a * src(Math.floor(i / ow), h, oh) + b * src(i % ow, w, ow) + c);
  assertClose(t, await resizeBilinear(dev.tensor(ramp, [h, w]), oh, ow).read(), want, { atol: 2e-6, rtol: 0 }, 'bilinear on a ramp (GPU)');
  assertClose(t, reference.resizeBilinearRef(ramp, [h, w], oh, ow), want, { atol: 1e-12, rtol: 0 }, 'bilinear on a ramp (reference)');
});

t.test('bicubic with scale 1/3 samples x[3i+1] exactly, and keeps a constant image constant', async (t) => {
  const dev = await testDevice();
  const [h, w] = [14, 20];
  const x = uniform(h * w, 77, -2, 2);
  const [oh, ow] = [Math.floor(h / 3), Math.floor(w / 3)];
  const want = Float64Array.from({ length: oh * ow }, (_, i) => x[(3 * Math.floor(i / ow) + 1) * w + 3 * (i % ow) + 1]);
  const y = resizeBicubic(dev.tensor(x, [h, w]), 1 / 3, 1 / 3);
  t.same(y.shape, [oh, ow]);
  assertClose(t, await y.read(), want, { atol: 1e-6, rtol: 0 }, 'bicubic x1/3 == x[3i+1, 3j+1] (GPU)');
  assertClose(t, reference.resizeBicubicRef(x, [h, w], 1 / 3, 1 / 3), want, { atol: 1e-12, rtol: 0 }, 'bicubic x1/3 (reference)');
  const k = new Float32Array(5 * 6).fill(0.625);
  const flat = new Float64Array(11 * 13).fill(0.625);
  assertClose(t, await resizeBicubic(dev.tensor(k, [5, 6]), 11 / 5, 13 / 6).read(), flat, { atol: 1e-6, rtol: 0 }, 'constant stays constant (GPU)');
  assertClose(t, reference.resizeBicubicRef(k, [5, 6], 11 / 5, 13 / 6), flat, { atol: 1e-12, rtol: 0 }, 'constant stays constant (reference)');
});

t.test('bad inputs are rejected naming the op and the shapes', async (t) => {
  const dev = await testDevice();
  const x = dev.tensor(new Float32Array(6), [2, 3]);
  t.throws(() => resizeBilinear(x, 0, 4), /resizeBilinear: output size 0x4 for input \[2, 3\] must be integers >= 1/);
  t.throws(() => resizeBilinear(x, 2.5, 4), /resizeBilinear: output size 2.5x4/);
  t.throws(() => resizeBilinear(dev.tensor(new Float32Array(3), [3]), 2, 2), /resizeBilinear: needs \[\.\.\., H, W\] \(rank >= 2\), got \[3\]/);
  t.throws(() => resizeBilinear(dev.tensor(new Int32Array(6), [2, 3], 'i32'), 4, 4), /resizeBilinear: needs a float tensor, got i32 \[2, 3\]/);
  t.throws(() => resizeBilinear(dev.tensor(new Float32Array(0), [0, 3]), 4, 4), /resizeBilinear: cannot resample the empty input \[0, 3\]/);
  t.throws(() => resizeBicubic(x, -1, 2), /resizeBicubic: scaleH -1 for input \[2, 3\] must be > 0/);
  t.throws(() => resizeBicubic(x, 2, 0), /resizeBicubic: scaleW 0 for input \[2, 3\] must be > 0 \(or 0 together with an explicit output size\)/);
  t.throws(() => resizeBicubic(x, 0.1, 2), /resizeBicubic: output size 0x6 for input \[2, 3\] must be integers >= 1/);
});
