import { layerNorm } from '../ops/layernorm.js';
import { layerNormRef } from '../reference/layernorm.js';
import type { DType } from '../dtype.js';
import { BYTES, FLOAT_DTYPES, hostInput, numel } from './data.js';
import type { CasePurpose, OpCase } from './types.js';

// Outputs are O(1) (|out| <= ~4 here). f32: mean and variance are sums of <= 4097 f32 terms (relative error
// ~1e-6), and the +10 row offset costs ~10 * 2^-24 in each x - mean, ~1e-6 after scaling: atol 2e-5.
// f16: inputs, gamma and beta are exact f16 values, the output is rounded once to f16 (half an ulp of 4 is
// 2^-9 ~ 2e-3): atol 1e-4 + rtol 6e-4 covers the rounding at any magnitude.
export const layerNormTolerance = (dtype: DType) => (dtype === 'f16' ? { atol: 1e-4, rtol: 6e-4 } : { atol: 2e-5, rtol: 1e-6 });

export interface LayerNormParams {
  eps: number;
}

export function layerNormCase(shape: number[], o: { eps?: number; lo: number; hi: number; seed: number; purpose?: CasePurpose; quick?: boolean; dtypes?: readonly DType[] }): OpCase<LayerNormParams> {
  const eps = o.eps ?? 1e-5;
  const d = shape[shape.length - 1];
  const purpose = o.purpose ?? 'test';
  return {
    op: 'layerNorm',
    label: purpose === 'bench' ? shape.join('x') : `${shape} eps ${eps}`,
    purpose,
    params: { eps },
    dtypes: o.dtypes ?? FLOAT_DTYPES,
    quick: o.quick,
    bytes: (dtype) => 2 * BYTES[dtype] * (numel(shape) + d),
    setup(dtype, seed = o.seed) {
      const x = hostInput('x', shape, dtype, seed, o.lo, o.hi);
      const g = hostInput('gamma', [d], dtype, seed + 100, 0.5, 1.5);
      const b = hostInput('beta', [d], dtype, seed + 200, -0.5, 0.5);
      return {
        inputs: [x, g, b],
        outShape: shape,
        run: ([tx, tg, tb]) => layerNorm(tx, tg, tb, eps),
        reference: () => ({ expected: layerNormRef(x.data, g.data, b.data, eps), ...layerNormTolerance(dtype) }),
      };
    },
  };
}

// Test rows sit at +10 with spread 3 so that a one-pass E[x^2] - E[x]^2 variance would visibly lose digits.
const testShapes = [[1, 1], [3], [3, 3], [2, 3, 768], [785, 768], [3, 1000], [2, 4097], [7, 785]];

export const layerNormCases: OpCase<LayerNormParams>[] = [
  ...testShapes.flatMap((shape, k) => [1e-5, 1e-6].map((eps) => layerNormCase(shape, { eps, lo: 7, hi: 13, seed: 200 + k }))),
  // ViT-B/16's pre-norms at 224 px (197 tokens) and 448 px (785 tokens).
  layerNormCase([197, 768], { lo: -3, hi: 5, seed: 1234, purpose: 'bench', quick: true, dtypes: ['f32'] }),
  layerNormCase([785, 768], { lo: -3, hi: 5, seed: 1234, purpose: 'bench', dtypes: ['f32'] }),
];
