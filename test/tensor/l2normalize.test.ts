import t from 'tap';
import { l2Normalize } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { assertClose } from '../helpers/assert.js';
import { checkOpCases } from '../helpers/op-cases.js';
import { l2NormalizeCases, l2NormalizeTolerance } from '@clearclip/tensor/op-cases';

t.test('l2Normalize matches the float64 reference on awkward shapes (the op case table)', (t) => checkOpCases(t, l2NormalizeCases));

t.test('an all-zero row: NaN without eps (0/0 as PyTorch), zeros with eps; other rows unaffected', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    const row = [3, -4, 0, 12]; // exact in f16, norm 13
    const x = dev.tensor([...row, 0, 0, 0, 0], [2, 4], dtype);
    const plain = Array.from(await l2Normalize(x).read());
    assertClose(t, plain.slice(0, 4), reference.l2NormalizeRef(row, 4), l2NormalizeTolerance(dtype), `${dtype}: non-zero row normalised`);
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
