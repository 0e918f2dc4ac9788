import t from 'tap';
import { cast } from '@clearclip/tensor';
import { testDevice } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';
import { checkOpCases } from '../helpers/op-cases.js';
import { castCases } from '@clearclip/tensor/op-cases';

t.test('cast f32 -> f16 rounds as the host does; f16 -> f32 is exact; round trips keep f16 values (the op case table)', (t) => checkOpCases(t, castCases));

t.test('cast to the same dtype is an exact copy into a new buffer', async (t) => {
  const dev = await testDevice();
  const x = uniform(1001, 5, -1e6, 1e6);
  const a = dev.tensor(x, [7, 11, 13]);
  const b = cast(a, 'f32');
  t.not(b.buffer, a.buffer, 'new storage');
  a.dispose();
  assertClose(t, await b.read(), x, { atol: 0 }, 'f32 copy exact, and independent of the disposed source');
});

t.test('cast rejects integer tensors and unknown targets', async (t) => {
  const dev = await testDevice();
  t.throws(() => cast(dev.tensor([1, 2], [2], 'i32'), 'f32'), /cast: .*\[2\].*i32/);
  t.throws(() => cast(dev.tensor([1, 2], [2]), 'i32' as 'f32'), /cast: target dtype must be f32 or f16, got i32/);
});
