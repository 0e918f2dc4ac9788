import t from 'tap';
import { softmax, roundToF16 } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';
import { checkOpCases } from '../helpers/op-cases.js';
import { softmaxCases, softmaxTolerance } from '@clearclip/tensor/op-cases';

t.test('softmax matches the float64 reference on awkward shapes, scales and offsets (the op case table)', (t) => checkOpCases(t, softmaxCases));

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
    assertClose(t, got, reference.softmaxRef(x, shape[2], 0.125), { ...softmaxTolerance(dtype), shape }, `softmax ${dtype} ${shape} (${ms.toFixed(0)} ms with read-back)`);
    xt.dispose();
  }
});

t.test('softmax rejects non-float tensors and scalars with the op and shape named', async (t) => {
  const dev = await testDevice();
  t.throws(() => softmax(dev.tensor([1, 2], [2], 'i32')), /softmax: needs a float tensor.*\[2\]/);
  t.throws(() => softmax(dev.tensor([1], [], 'f32')), /softmax: needs at least one axis.*\[\]/);
  t.throws(() => softmax(dev.tensor([1, 2], [2]), { scale: NaN }), /softmax: scale must be finite/);
});
