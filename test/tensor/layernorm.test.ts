import t from 'tap';
import { layerNorm, roundToF16 } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';

// Outputs are O(1) (|out| <= ~4 here). f32: mean and variance are sums of <= 4097 f32 terms (relative error
// ~1e-6), and the +10 row offset costs ~10 * 2^-24 in each x - mean, ~1e-6 after scaling: atol 2e-5.
// f16: inputs, gamma and beta are exact f16 values, the output is rounded once to f16 (half an ulp of 4 is
// 2^-9 ~ 2e-3): atol 1e-4 + rtol 6e-4 covers the rounding at any magnitude.
const tol = { f32: { atol: 2e-5, rtol: 1e-6 }, f16: { atol: 1e-4, rtol: 6e-4 } };

const shapes = [[1, 1], [3], [3, 3], [2, 3, 768], [785, 768], [3, 1000], [2, 4097], [7, 785]];

t.test('layerNorm matches the float64 reference on awkward shapes', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    for (const [k, shape] of shapes.entries()) {
      const d = shape[shape.length - 1];
      const n = shape.reduce((a, b) => a * b, 1);
      // Rows sit at +10 with spread 3 so that a one-pass E[x^2] - E[x]^2 variance would visibly lose digits.
      let x = uniform(n, 200 + k, 7, 13);
      let g = uniform(d, 300 + k, 0.5, 1.5);
      let b = uniform(d, 400 + k, -0.5, 0.5);
      if (dtype === 'f16') [x, g, b] = [roundToF16(x), roundToF16(g), roundToF16(b)];
      for (const eps of [1e-5, 1e-6]) {
        const got = await layerNorm(dev.tensor(x, shape, dtype), dev.tensor(g, [d], dtype), dev.tensor(b, [d], dtype), eps).read();
        assertClose(t, got, reference.layerNormRef(x, g, b, eps), { ...tol[dtype], shape }, `layerNorm ${dtype} ${shape} eps ${eps}`);
      }
    }
  }
});

t.test('layerNorm with f32 gamma and beta on an f16 input', async (t) => {
  const dev = await testDevice();
  if (!dev.hasF16) return t.plan(0, 'adapter lacks shader-f16');
  const shape = [5, 768];
  const x = roundToF16(uniform(5 * 768, 1, -2, 2));
  const g = uniform(768, 2, 0.5, 1.5);
  const b = uniform(768, 3, -0.5, 0.5);
  const out = layerNorm(dev.tensor(x, shape, 'f16'), dev.tensor(g, [768]), dev.tensor(b, [768]));
  t.equal(out.dtype, 'f16', 'output keeps the input dtype');
  assertClose(t, await out.read(), reference.layerNormRef(x, g, b), { ...tol.f16, shape }, 'layerNorm f16 x, f32 params');
});

t.test('a constant row normalises to beta (zero variance, eps keeps it finite)', async (t) => {
  const dev = await testDevice();
  const d = 37;
  const b = uniform(d, 9);
  const got = await layerNorm(dev.tensor(new Float32Array(2 * d).fill(3.25), [2, d]), dev.tensor(uniform(d, 8), [d]), dev.tensor(b, [d])).read();
  assertClose(t, got, [...b, ...b], { atol: 0 }, 'constant rows give beta exactly');
});

t.test('layerNorm rejects parameters that do not match the last dimension, naming the shapes', async (t) => {
  const dev = await testDevice();
  const x = dev.tensor(new Float32Array(12), [3, 4]);
  const p4 = dev.tensor(new Float32Array(4), [4]);
  t.throws(() => layerNorm(x, dev.tensor(new Float32Array(5), [5]), p4), /layerNorm: gamma has shape \[5\], expected \[4\].*\[3, 4\]/);
  t.throws(() => layerNorm(x, p4, dev.tensor(new Float32Array(4), [1, 4])), /layerNorm: beta has shape \[1, 4\], expected \[4\]/);
  t.throws(() => layerNorm(dev.tensor([1, 2], [2], 'i32'), p4, p4), /layerNorm: needs a float tensor/);
  t.throws(() => layerNorm(x, p4, p4, -1), /layerNorm: eps must be/);
});
