import t from 'tap';
import { layerNorm, roundToF16 } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';
import { checkOpCases } from '../helpers/op-cases.js';
import { layerNormCases, layerNormTolerance } from '@clearclip/tensor/op-cases';

t.test('layerNorm matches the float64 reference on awkward shapes (the op case table)', (t) => checkOpCases(t, layerNormCases));

t.test('layerNorm with f32 gamma and beta on an f16 input', async (t) => {
  const dev = await testDevice();
  if (!dev.hasF16) return t.plan(0, 'adapter lacks shader-f16');
  const shape = [5, 768];
  const x = roundToF16(uniform(5 * 768, 1, -2, 2));
  const g = uniform(768, 2, 0.5, 1.5);
  const b = uniform(768, 3, -0.5, 0.5);
  const out = layerNorm(dev.tensor(x, shape, 'f16'), dev.tensor(g, [768]), dev.tensor(b, [768]));
  t.equal(out.dtype, 'f16', 'output keeps the input dtype');
  assertClose(t, await out.read(), reference.layerNormRef(x, g, b), { ...layerNormTolerance('f16'), shape }, 'layerNorm f16 x, f32 params');
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
