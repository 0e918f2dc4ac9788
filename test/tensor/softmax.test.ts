import t from 'tap';
import { softmax, roundToF16 } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';

// Outputs lie in (0, 1], so errors are relative. f32: WGSL bounds exp by 3 + 2|arg| ulp, |arg| <= ~40 here
// (~5e-6 relative), plus the f32 rounding of scale*x and the row sum (<= ~1e-6): rtol 2e-5. f16: inputs are exact
// f16 values (rounded in the reference input too), so the one f16 rounding of the result dominates: half an
// ulp is 2^-11 = 4.9e-4 relative, and 6e-8 absolute covers f16's subnormal spacing for tiny probabilities.
const tol = { f32: { atol: 1e-30, rtol: 2e-5 }, f16: { atol: 6e-8, rtol: 6e-4 } };

const cases: { shape: number[]; scale?: number; lo: number; hi: number }[] = [
  { shape: [1], lo: -1, hi: 1 }, // a single element: exactly 1
  { shape: [5, 1], lo: -3, hi: 3 },
  { shape: [3], lo: -3, hi: 3 },
  { shape: [2, 3, 3], lo: -3, hi: 3 },
  { shape: [4, 785], scale: 0.125, lo: -160, hi: 160 },
  { shape: [3, 1000], lo: -8, hi: 8 },
  { shape: [2, 4097], lo: -20, hi: 20 },
  // Far from zero: without the max subtraction exp would overflow to Infinity.
  { shape: [3, 257], lo: 1000, hi: 1040 },
  { shape: [3, 257], scale: -2, lo: 480, hi: 500 },
];

t.test('softmax matches the float64 reference on awkward shapes, scales and offsets', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    for (const [k, c] of cases.entries()) {
      // f16 cannot hold 1000..1040 finely; shift that case down so its inputs stay distinct in f16 as well.
      const shift = dtype === 'f16' && c.lo >= 480 ? -c.lo + 1 : 0;
      const n = c.shape.reduce((a, b) => a * b, 1);
      let x = uniform(n, 100 + k, c.lo + shift, c.hi + shift);
      if (dtype === 'f16') x = roundToF16(x);
      const cols = c.shape[c.shape.length - 1];
      const got = await softmax(dev.tensor(x, c.shape, dtype), { scale: c.scale }).read();
      assertClose(t, got, reference.softmaxRef(x, cols, c.scale), { ...tol[dtype], shape: c.shape }, `softmax ${dtype} ${c.shape} scale ${c.scale ?? 1}`);
    }
  }
});

t.test('softmax over many rows: 12 heads of 785 x 785 attention scores', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    // f16 keeps the 12 * 785 rows but shortens them: the full size only repeats the f32 check at twice the time.
    const shape = dtype === 'f32' ? [12, 785, 785] : [12, 785, 97];
    const n = shape[0] * shape[1] * shape[2];
    let x = uniform(n, 7, -6, 6);
    if (dtype === 'f16') x = roundToF16(x);
    const xt = dev.tensor(x, shape, dtype);
    const t0 = performance.now();
    const got = await softmax(xt, { scale: 0.125 }).read();
    const ms = performance.now() - t0;
    assertClose(t, got, reference.softmaxRef(x, shape[2], 0.125), { ...tol[dtype], shape }, `softmax ${dtype} ${shape} (${ms.toFixed(0)} ms with read-back)`);
    xt.dispose();
  }
});

t.test('softmax rejects non-float tensors and scalars with the op and shape named', async (t) => {
  const dev = await testDevice();
  t.throws(() => softmax(dev.tensor([1, 2], [2], 'i32')), /softmax: needs a float tensor.*\[2\]/);
  t.throws(() => softmax(dev.tensor([1], [], 'f32')), /softmax: needs at least one axis.*\[\]/);
  t.throws(() => softmax(dev.tensor([1, 2], [2]), { scale: NaN }), /softmax: scale must be finite/);
});
