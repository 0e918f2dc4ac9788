import t from 'tap';
import { l2Normalize, roundToF16 } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';

// Outputs lie in [-1, 1]. f32: the sum of squares of <= 4097 terms carries ~1e-6 relative error, halved by the
// square root, plus one rounding of the division: atol 1e-6 + rtol 2e-6. f16: inputs are exact f16 values,
// the output is rounded once to f16 (half an ulp is 2^-11 relative; 3e-8 absolute for subnormals).
const tol = { f32: { atol: 1e-6, rtol: 2e-6 }, f16: { atol: 6e-8, rtol: 6e-4 } };

const shapes = [[1], [1, 1], [3], [4, 3], [7, 512], [2, 3, 768], [3, 1000], [2, 4097]];

t.test('l2Normalize matches the float64 reference on awkward shapes', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    for (const [k, shape] of shapes.entries()) {
      const n = shape.reduce((a, b) => a * b, 1);
      let x = uniform(n, 500 + k, -3, 3);
      if (dtype === 'f16') x = roundToF16(x);
      const cols = shape[shape.length - 1];
      const xt = dev.tensor(x, shape, dtype);
      assertClose(t, await l2Normalize(xt).read(), reference.l2NormalizeRef(x, cols), { ...tol[dtype], shape }, `l2Normalize ${dtype} ${shape}`);
      assertClose(t, await l2Normalize(xt, { eps: 1e-12 }).read(), reference.l2NormalizeRef(x, cols, 1e-12), { ...tol[dtype], shape }, `l2Normalize eps ${dtype} ${shape}`);
    }
  }
});

t.test('an all-zero row: NaN without eps (0/0 as PyTorch), zeros with eps; other rows unaffected', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    const row = [3, -4, 0, 12]; // exact in f16, norm 13
    const x = dev.tensor([...row, 0, 0, 0, 0], [2, 4], dtype);
    const plain = Array.from(await l2Normalize(x).read());
    assertClose(t, plain.slice(0, 4), reference.l2NormalizeRef(row, 4), tol[dtype], `${dtype}: non-zero row normalised`);
    t.ok(plain.slice(4).every(Number.isNaN), `${dtype}: zero row is NaN, got ${plain.slice(4)}`);
    const withEps = Array.from(await l2Normalize(x, { eps: 1e-6 }).read());
    t.same(withEps.slice(4), [0, 0, 0, 0], `${dtype}: zero row with eps stays 0`);
    // eps larger than the norm: x / eps, as torch.nn.functional.normalize.
    const small = await l2Normalize(dev.tensor([3e-3, 4e-3], [1, 2], dtype), { eps: 0.01 }).read();
    assertClose(t, small, [0.3, 0.4], { atol: 0, rtol: dtype === 'f32' ? 1e-6 : 2e-3 }, `${dtype}: norm below eps divides by eps`);
  }
});

t.test('l2Normalize rejects bad input with the op named', async (t) => {
  const dev = await testDevice();
  t.throws(() => l2Normalize(dev.tensor([1, 2], [2], 'u32')), /l2Normalize: needs a float tensor.*\[2\]/);
  t.throws(() => l2Normalize(dev.tensor([1, 2], [2]), { eps: 0 }), /l2Normalize: eps must be/);
  t.throws(() => l2Normalize(dev.tensor(new Float32Array(0), [3, 0])), /l2Normalize: last axis of \[3, 0\] is empty/);
});
