import t from 'tap';
import { permute } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';
import { checkOpCases } from '../helpers/op-cases.js';
import { EXACT, permuteCases } from '@clearclip/tensor/op-cases';

t.test('permute matches the reference for ranks 2..8, in f32, f16 and i32 (the op case table)', (t) => checkOpCases(t, permuteCases));

t.test('a head split followed by the inverse permutation gives the input back', async (t) => {
  const dev = await testDevice();
  const x = uniform(50 * 3 * 4 * 16, 7);
  await dev.scopeAsync(async () => {
    const split = permute(dev.tensor(x, [50, 3, 4, 16]), [1, 2, 0, 3]);
    const back = permute(split, [2, 0, 1, 3]);
    assertClose(t, await back.read(), x, EXACT, 'round trip [L,3,H,hd] -> [3,H,L,hd] -> [L,3,H,hd]');
  });
});

t.test('the reference itself: permuting a matrix by [1, 0] puts x[i][j] at [j][i]', async (t) => {
  // Independent of permuteRef's stride arithmetic: values encode their own index.
  const x = Float64Array.from({ length: 12 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4)); // 3x4, x[i][j] = 10i + j
  const y = reference.permuteRef(x, [3, 4], [1, 0]);
  const want = Float64Array.from({ length: 12 }, (_, k) => 10 * (k % 3) + Math.floor(k / 3)); // 4x3, y[j][i] = 10i + j
  t.same(Array.from(y), Array.from(want));
});

t.test('bad permutations are rejected naming the op, the perm and the shape', async (t) => {
  const dev = await testDevice();
  const x = dev.tensor(new Float32Array(24), [2, 3, 4]);
  t.throws(() => permute(x, [0, 0, 1]), /permute: perm \[0, 0, 1\] is not a permutation of 0\.\.2 for input \[2, 3, 4\]/);
  t.throws(() => permute(x, [0, 1]), /permute: perm \[0, 1\] is not a permutation .* \[2, 3, 4\]/);
  t.throws(() => permute(x, [0, 1, 3]), /permute: perm \[0, 1, 3\] is not a permutation/);
  t.throws(() => permute(x, [0, 1, -1]), /permute: perm \[0, 1, -1\] is not a permutation/);
  // Seven axes of size 2 reversed cannot be merged: more than the kernel's six.
  const big = dev.tensor(new Float32Array(128), [2, 2, 2, 2, 2, 2, 2]);
  t.throws(() => permute(big, [6, 5, 4, 3, 2, 1, 0]), /permute: input \[2, 2, 2, 2, 2, 2, 2\] .* needs 7 axes after merging adjacent ones; at most 6/);
});
