import { l2Normalize } from '../ops/l2normalize.js';
import { l2NormalizeRef } from '../reference/l2normalize.js';
import type { DType } from '../dtype.js';
import { FLOAT_DTYPES, hostInput } from './data.js';
import type { OpCase } from './types.js';

// Outputs lie in [-1, 1]. f32: the sum of squares of <= 4097 terms carries ~1e-6 relative error, halved by the
// square root, plus one rounding of the division: atol 1e-6 + rtol 2e-6. f16: inputs are exact f16 values,
// the output is rounded once to f16 (half an ulp is 2^-11 relative; 3e-8 absolute for subnormals).
export const l2NormalizeTolerance = (dtype: DType) => (dtype === 'f16' ? { atol: 6e-8, rtol: 6e-4 } : { atol: 1e-6, rtol: 2e-6 });

function l2NormalizeCase(shape: number[], eps: number | undefined, seed0: number): OpCase {
  return {
    op: 'l2Normalize',
    label: `${shape}${eps !== undefined ? ` eps ${eps}` : ''}`,
    purpose: 'test',
    params: { eps },
    dtypes: FLOAT_DTYPES,
    setup(dtype, seed = seed0) {
      const x = hostInput('x', shape, dtype, seed, -3, 3);
      return {
        inputs: [x],
        outShape: shape,
        run: ([tx]) => l2Normalize(tx, eps === undefined ? {} : { eps }),
        reference: () => ({ expected: l2NormalizeRef(x.data, shape[shape.length - 1], eps), ...l2NormalizeTolerance(dtype) }),
      };
    },
  };
}

export const l2NormalizeCases: OpCase[] = [[1], [1, 1], [3], [4, 3], [7, 512], [2, 3, 768], [3, 1000], [2, 4097]].flatMap((shape, k) => [
  l2NormalizeCase(shape, undefined, 500 + k),
  l2NormalizeCase(shape, 1e-12, 500 + k),
]);
