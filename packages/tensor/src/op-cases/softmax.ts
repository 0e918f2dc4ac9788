import { softmax } from '../ops/softmax.js';
import { softmaxRef } from '../reference/softmax.js';
import type { DType } from '../dtype.js';
import { BYTES, FLOAT_DTYPES, hostInput, numel } from './data.js';
import type { CasePurpose, OpCase } from './types.js';

// Outputs lie in (0, 1], so errors are relative. f32: WGSL bounds exp by 3 + 2|arg| ulp, |arg| <= ~40 here
// (~5e-6 relative), plus the f32 rounding of scale*x and the row sum (<= ~1e-6): rtol 2e-5. f16: inputs are exact
// f16 values (rounded in the reference input too), so the one f16 rounding of the result dominates: half an
// ulp is 2^-11 = 4.9e-4 relative, and 6e-8 absolute covers f16's subnormal spacing for tiny probabilities.
export const softmaxTolerance = (dtype: DType) => (dtype === 'f16' ? { atol: 6e-8, rtol: 6e-4 } : { atol: 1e-30, rtol: 2e-5 });

export interface SoftmaxParams {
  scale: number;
}

export function softmaxCase(shape: number[], o: { scale?: number; lo: number; hi: number; seed: number; purpose?: CasePurpose; quick?: boolean; dtypes?: readonly DType[] }): OpCase<SoftmaxParams> {
  const scale = o.scale ?? 1;
  return {
    op: 'softmax',
    label: `${shape.join('x')}${o.purpose !== 'bench' && o.scale !== undefined ? ` scale ${o.scale}` : ''}`,
    purpose: o.purpose ?? 'test',
    params: { scale },
    dtypes: o.dtypes ?? FLOAT_DTYPES,
    quick: o.quick,
    bytes: (dtype) => 2 * BYTES[dtype] * numel(shape),
    setup(dtype, seed = o.seed) {
      // f16 cannot hold 1000..1040 finely; shift such offsets down so that the inputs stay distinct in f16 as well.
      const shift = dtype === 'f16' && o.lo >= 480 ? -o.lo + 1 : 0;
      const x = hostInput('x', shape, dtype, seed, o.lo + shift, o.hi + shift);
      return {
        inputs: [x],
        outShape: shape,
        run: ([tx]) => softmax(tx, { scale: o.scale }),
        reference: () => ({ expected: softmaxRef(x.data, shape[shape.length - 1], o.scale), ...softmaxTolerance(dtype) }),
      };
    },
  };
}

export const softmaxCases: OpCase<SoftmaxParams>[] = [
  ...[
    { shape: [1], lo: -1, hi: 1 }, // a single element: exactly 1
    { shape: [5, 1], lo: -3, hi: 3 },
    { shape: [3], lo: -3, hi: 3 },
    { shape: [2, 3, 3], lo: -3, hi: 3 },
    { shape: [4, 785], scale: 0.125, lo: -160, hi: 160 },
    { shape: [3, 1000], lo: -8, hi: 8 },
    { shape: [2, 4097], lo: -20, hi: 20 },
    // Far from zero: without the max subtraction exp would overflow to Infinity.
    { shape: [3, 257], lo: 1000, hi: 1040 },
    { shape: [3, 257], scale: -2, lo: 480, hi: 500 },
  ].map((c, k) => softmaxCase(c.shape, { ...c, seed: 100 + k })),
  // ViT-B/16 attention probabilities: 12 heads at 224 px (197 tokens) and 448 px (785 tokens).
  softmaxCase([12, 197, 197], { scale: 0.125, lo: -4, hi: 4, seed: 1234, purpose: 'bench', quick: true, dtypes: ['f32'] }),
  softmaxCase([12, 785, 785], { scale: 0.125, lo: -4, hi: 4, seed: 1234, purpose: 'bench', dtypes: ['f32'] }),
];
