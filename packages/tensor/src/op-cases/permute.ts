import { permute } from '../ops/permute.js';
import { permuteRef } from '../reference/permute.js';
import { COPY_DTYPES, hostInput } from './data.js';
import { EXACT } from './exact.js';
import type { OpCase } from './types.js';

function permuteCase(shape: number[], perm: number[], seed0: number): OpCase {
  return {
    op: 'permute',
    label: `[${shape}] by [${perm}]`,
    purpose: 'test',
    params: { perm },
    dtypes: COPY_DTYPES,
    setup(dtype, seed = seed0) {
      const x = hostInput('x', shape, dtype, seed, -3, 3);
      return {
        inputs: [x],
        outShape: perm.map((a) => shape[a]),
        run: ([tx]) => permute(tx, perm),
        reference: () => ({ expected: permuteRef(x.data, shape, perm), ...EXACT }),
      };
    },
  };
}

export const permuteCases: OpCase[] = [
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
].map((c, k) => permuteCase(c.shape, c.perm, 100 + k));
