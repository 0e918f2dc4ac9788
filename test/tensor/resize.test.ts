import t from 'tap';
import { resizeBilinear, resizeBicubic, roundToF16, type FloatDType } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';

/*
 * Tolerances, relative to m = max|x| (the inputs are in [-2, 2]):
 * - f32: the tap weights are computed in float64 and rounded to f32 (2^-24 relative each); up to 16 products are
 *   summed in f32, 4 along x then 4 along y. With sum|w| <= 1.25 per axis for the cubic kernel (1 for linear) the
 *   worst case is about (4 + 4 + 2) * 2^-24 * 1.6 * m ~= 1e-6 m; atol 2e-6 m leaves a factor 2.
 * - f16: the same f32 arithmetic, then one rounding of the result to f16: at most half an f16 ulp, 2^-11 of |out|,
 *   hence rtol 2^-11 on top of the f32 bound. The reference uses the f16-rounded inputs the tensor really holds.
 */
function tol(dtype: FloatDType, m: number): { atol: number; rtol: number } {
  return dtype === 'f32' ? { atol: 2e-6 * m, rtol: 0 } : { atol: 2e-6 * m, rtol: 2 ** -11 };
}
const numel = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

function input(shape: number[], seed: number, dtype: FloatDType): Float32Array {
  const x = uniform(numel(shape), seed, -2, 2);
  return dtype === 'f16' ? roundToF16(x) : x;
}

const bilinearCases: { shape: number[]; out: [number, number] }[] = [
  { shape: [1, 37], out: [3, 50] }, // 1xN, H up, W up
  { shape: [1, 1, 1], out: [5, 4] }, // a single pixel broadcasts
  { shape: [4, 6], out: [4, 6] }, // same size: identity
  { shape: [1, 7, 9], out: [3, 4] }, // down-sampling, non-integer ratios
  { shape: [3, 13, 14], out: [208, 224] }, // x16, the patch-grid -> crop upsample
  { shape: [2, 13, 14], out: [200, 300] }, // non-integer ratios 200/13, 300/14
  { shape: [2, 50, 3], out: [7, 11] }, // down in H, up in W
  { shape: [5, 28, 28], out: [448, 448] }, // large: 5 classes, 28x28 grid -> 448x448 pixels
];

t.test('resizeBilinear matches the float64 reference (PyTorch align_corners=False)', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    for (const [k, c] of bilinearCases.entries()) {
      const x = input(c.shape, 300 + k, dtype);
      await dev.scopeAsync(async () => {
        const y = resizeBilinear(dev.tensor(x, c.shape, dtype), c.out[0], c.out[1]);
        const want = [...c.shape.slice(0, -2), ...c.out];
        t.same(y.shape, want);
        const ref = reference.resizeBilinearRef(x, c.shape, c.out[0], c.out[1]);
        assertClose(t, await y.read(), ref, { ...tol(dtype, 2), shape: want }, `resizeBilinear ${dtype} [${c.shape}] -> ${c.out.join('x')}`);
      });
    }
  }
});

const bicubicCases: { shape: number[]; scale: [number, number]; opts?: { outH?: number; outW?: number } }[] = [
  { shape: [64, 14, 14], scale: [13.1 / 14, 14.1 / 14] }, // position-grid interpolation to 13x14
  { shape: [1, 37], scale: [3, 0.5] }, // 1xN
  { shape: [1, 9, 7], scale: [0.4, 0.45] }, // down-sampling
  { shape: [3, 13, 14], scale: [16, 16] }, // 13 -> 208
  { shape: [2, 13, 14], scale: [200 / 13, 300 / 14] }, // non-integer ratios
  { shape: [2, 10, 12], scale: [1.5, 0.7], opts: { outH: 16, outW: 9 } }, // explicit size: taps past the edge
  { shape: [5, 28, 28], scale: [16, 16] }, // large
];

t.test('resizeBicubic matches the float64 reference (PyTorch scale_factor, A = -0.75)', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    for (const [k, c] of bicubicCases.entries()) {
      const x = input(c.shape, 400 + k, dtype);
      await dev.scopeAsync(async () => {
        const y = resizeBicubic(dev.tensor(x, c.shape, dtype), c.scale[0], c.scale[1], c.opts);
        const h = c.opts?.outH ?? Math.floor(c.shape.at(-2)! * c.scale[0]);
        const w = c.opts?.outW ?? Math.floor(c.shape.at(-1)! * c.scale[1]);
        const want = [...c.shape.slice(0, -2), h, w];
        t.same(y.shape, want);
        const ref = reference.resizeBicubicRef(x, c.shape, c.scale[0], c.scale[1], c.opts);
        // Bicubic overshoots (negative lobes): outputs reach ~1.6 m, so the f32 bound uses that.
        const what = `resizeBicubic ${dtype} [${c.shape}] x(${c.scale.map((s) => s.toFixed(4)).join(', ')}) -> ${h}x${w}`;
        assertClose(t, await y.read(), ref, { ...tol(dtype, 2 * 1.6), shape: want }, what);
      });
    }
  }
});

t.test('resizeBicubic with scale 0 and an explicit size maps coordinates with in/out (F.interpolate(size=...))', async (t) => {
  const dev = await testDevice();
  const x = input([3, 13, 14], 9, 'f32');
  const y = resizeBicubic(dev.tensor(x, [3, 13, 14]), 0, 0, { outH: 200, outW: 300 });
  t.same(y.shape, [3, 200, 300]);
  const ref = reference.resizeBicubicRef(x, [3, 13, 14], 0, 0, { outH: 200, outW: 300 });
  assertClose(t, await y.read(), ref, tol('f32', 3.2), 'resizeBicubic size mode [3, 13, 14] -> 200x300');
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
