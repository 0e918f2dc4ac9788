import t, { type Test } from 'tap';
import { permute, roundToF16, type DType } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';

// permute only moves elements, so every dtype must come back bit-exact: tolerance 0. f16 inputs are rounded to
// f16 first so that the expected values are exactly what the tensor stores.
const exact = { atol: 0, rtol: 0 };
const numel = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

const cases: { shape: number[]; perm: number[] }[] = [
  { shape: [1, 37], perm: [1, 0] },
  { shape: [7, 13], perm: [1, 0] },
  { shape: [3, 5, 17], perm: [2, 0, 1] },
  { shape: [3, 5, 17], perm: [0, 2, 1] },
  { shape: [3, 5, 17], perm: [0, 1, 2] },
  { shape: [197, 3, 4, 16], perm: [1, 2, 0, 3] }, // head split [L, 3, H, hd] -> [3, H, L, hd]
  { shape: [4, 197, 16], perm: [1, 0, 2] }, // head merge [H, L, hd] -> [L, H, hd]
  { shape: [2, 3, 1, 5, 7], perm: [4, 2, 0, 3, 1] },
  { shape: [3, 4, 5, 6, 7], perm: [3, 1, 4, 0, 2] },
  { shape: [2, 3, 2, 3, 2, 3], perm: [5, 4, 3, 2, 1, 0] },
  // Rank 8, but the size-1 axes drop out and [3, 4] stays adjacent: 5 axes remain for the kernel.
  { shape: [2, 1, 3, 4, 1, 5, 2, 3], perm: [7, 2, 3, 0, 1, 6, 4, 5] },
];

async function checkCase(t: Test, dtype: DType, shape: number[], perm: number[], seed: number): Promise<void> {
  const dev = await testDevice();
  let x: ArrayLike<number> = uniform(numel(shape), seed, -3, 3);
  if (dtype === 'f16') x = roundToF16(x);
  if (dtype === 'i32') x = Int32Array.from(x as Float32Array, (v) => Math.round(v * 1000));
  await dev.scopeAsync(async () => {
    const y = permute(dev.tensor(x, shape, dtype), perm);
    const want = perm.map((a) => shape[a]);
    t.same(y.shape, want, `permute ${dtype} [${shape}] by [${perm}] has shape [${want}]`);
    assertClose(t, await y.read(), reference.permuteRef(x, shape, perm), { ...exact, shape: want }, `permute ${dtype} [${shape}] by [${perm}]`);
  });
}

t.test('permute matches the reference for ranks 2..8, in f32, f16 and i32', async (t) => {
  for (const dtype of [...(await floatDtypes()), 'i32' as const]) {
    for (const [k, c] of cases.entries()) await checkCase(t, dtype, c.shape, c.perm, 100 + k);
  }
});

t.test('a head split followed by the inverse permutation gives the input back', async (t) => {
  const dev = await testDevice();
  const x = uniform(50 * 3 * 4 * 16, 7);
  await dev.scopeAsync(async () => {
    const split = permute(dev.tensor(x, [50, 3, 4, 16]), [1, 2, 0, 3]);
    const back = permute(split, [2, 0, 1, 3]);
    assertClose(t, await back.read(), x, exact, 'round trip [L,3,H,hd] -> [3,H,L,hd] -> [L,3,H,hd]');
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
