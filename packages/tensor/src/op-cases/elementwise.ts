import { add } from '../ops/elementwise.js';
import { addRef } from '../reference/elementwise.js';
import type { DType } from '../dtype.js';
import { FLOAT_DTYPES, hostInput } from './data.js';
import type { OpCase } from './types.js';

// f32: inputs are exact, one rounding of the result -> 1 ulp relative. f16: one f16 rounding of the result (2^-11).
export const addTolerance = (dtype: DType) => (dtype === 'f16' ? { atol: 1e-3, rtol: 1e-3 } : { atol: 1e-6, rtol: 1e-6 });

function addCase(a: number[], b: number[], seedA: number, seedB: number): OpCase {
  return {
    op: 'add',
    label: `[${a}] + [${b}]`,
    purpose: 'test',
    params: {},
    dtypes: FLOAT_DTYPES,
    setup(dtype, seed = seedA) {
      const x = hostInput('a', a, dtype, seed, -2, 2);
      const y = hostInput('b', b, dtype, seed - seedA + seedB, -2, 2);
      return {
        inputs: [x, y],
        outShape: a,
        run: ([ta, tb]) => add(ta, tb),
        reference: () => ({ expected: addRef(x.data, y.data), ...addTolerance(dtype) }),
      };
    },
  };
}

export const addCases: OpCase[] = [
  { a: [1], b: [1] },
  { a: [7, 13], b: [7, 13] },
  { a: [3, 5, 17], b: [17] },
  { a: [4099, 65], b: [65] },
].map((s, k) => addCase(s.a, s.b, 10 + k, 20 + k));
