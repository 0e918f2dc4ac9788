import t from 'tap';
import { concat, slice } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';
import { checkOpCases } from '../helpers/op-cases.js';
import { EXACT, concatCases, sliceCases } from '@clearclip/tensor/op-cases';

t.test('concat matches the reference (the op case table)', (t) => checkOpCases(t, concatCases));

t.test('the reference itself: concatenating along the middle axis interleaves per leading index', async (t) => {
  // [2,1] and [2,2] along axis 1: rows are [a0, b00, b01] and [a1, b10, b11].
  const y = reference.concatRef([[1, 2], [10, 11, 20, 21]], [[2, 1], [2, 2]], 1);
  t.same(Array.from(y), [1, 10, 11, 2, 20, 21]);
  t.same(Array.from(reference.sliceRef([0, 1, 2, 3, 4, 5], [2, 3], 1, 1, 3)), [1, 2, 4, 5]);
});

t.test('slice matches the reference in f32, f16 and i32 (the op case table)', (t) => checkOpCases(t, sliceCases));

t.test('slicing a concatenation gives the parts back', async (t) => {
  const dev = await testDevice();
  const a = uniform(3 * 4 * 5, 1);
  const b = uniform(3 * 2 * 5, 2);
  await dev.scopeAsync(async () => {
    const c = concat([dev.tensor(a, [3, 4, 5]), dev.tensor(b, [3, 2, 5])], 1);
    assertClose(t, await slice(c, 1, 0, 4).read(), a, EXACT, 'first part');
    assertClose(t, await slice(c, 1, 4, 6).read(), b, EXACT, 'second part');
  });
});

t.test('bad inputs are rejected naming the op and the shapes', async (t) => {
  const dev = await testDevice();
  const x = dev.tensor(new Float32Array(24), [2, 3, 4]);
  t.throws(() => slice(x, 1, 0, 4), /slice: \[0, 4\) is out of range for axis 1 of size 3 in \[2, 3, 4\]/);
  t.throws(() => slice(x, 1, 2, 1), /slice: \[2, 1\) is out of range for axis 1 of size 3/);
  t.throws(() => slice(x, 0, -1, 1), /slice: \[-1, 1\) is out of range for axis 0 of size 2/);
  t.throws(() => slice(x, 2, 0.5, 2), /slice: \[0.5, 2\) is out of range/);
  t.throws(() => slice(x, 3, 0, 1), /slice of \[2, 3, 4\]: axis 3 out of range for rank 3/);
  t.throws(() => concat([x, dev.tensor(new Float32Array(10), [2, 5, 1])], 1), /concat: input 1 \[2, 5, 1\] f32 does not match input 0 \[2, 3, 4\] f32/);
  t.throws(() => concat([x, dev.tensor(new Float32Array(12), [2, 3, 2])], 1), /concat: input 1 \[2, 3, 2\]/);
  t.throws(() => concat([x, dev.tensor(new Int32Array(24), [2, 3, 4], 'i32')], 0), /concat: input 1 \[2, 3, 4\] i32 does not match input 0 \[2, 3, 4\] f32/);
  t.throws(() => concat([x, dev.tensor(new Float32Array(6), [2, 3])], 0), /concat: input 1 \[2, 3\]/);
  t.throws(() => concat([], 0), /concat: needs at least one tensor/);
  t.throws(() => concat([x], -4), /concat of \[2, 3, 4\]: axis -4 out of range for rank 3/);
});
