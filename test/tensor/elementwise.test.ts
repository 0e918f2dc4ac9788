import t from 'tap';
import { add } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';
import { checkOpCases } from '../helpers/op-cases.js';
import { addCases } from '@clearclip/tensor/op-cases';

t.test('add matches the float64 reference on awkward shapes (the op case table)', (t) => checkOpCases(t, addCases));

t.test('a launch above 65535 workgroups folds into the y dimension', async (t) => {
  const dev = await testDevice();
  const n = 65536 * 256 + 3; // 65537 workgroups of 256
  const a = uniform(n, 3);
  // WGSL's f32 addition is correctly rounded, so the result must equal the f32-rounded float64 sum exactly.
  const r = await add(dev.tensor(a, [n, 1]), dev.tensor([0.5], [1])).read();
  assertClose(t, r, Float32Array.from(reference.addRef(a, [0.5])), { atol: 0, rtol: 0 }, 'a + 0.5 over 16.8M elements equals the f32-rounded sum');
});

t.test('shapes that do not broadcast are rejected with both shapes named', async (t) => {
  const dev = await testDevice();
  const a = dev.tensor(new Float32Array(6), [2, 3]);
  const b = dev.tensor(new Float32Array(2), [2]);
  t.throws(() => add(a, b), /\[2\] does not broadcast onto \[2, 3\]/);
});
