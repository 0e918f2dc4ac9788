import { resizeBicubic, resizeBilinear } from '../ops/resize.js';
import { resizeBicubicRef, resizeBilinearRef } from '../reference/resize.js';
import type { DType } from '../dtype.js';
import { FLOAT_DTYPES, hostInput } from './data.js';
import type { OpCase } from './types.js';

/*
 * Tolerances, relative to m = max|x| (the inputs are in [-2, 2]):
 * - f32: the tap weights are computed in float64 and rounded to f32 (2^-24 relative each); up to 16 products are
 *   summed in f32, 4 along x then 4 along y. With sum|w| <= 1.25 per axis for the cubic kernel (1 for linear) the
 *   worst case is about (4 + 4 + 2) * 2^-24 * 1.6 * m ~= 1e-6 m; atol 2e-6 m leaves a factor 2.
 * - f16: the same f32 arithmetic, then one rounding of the result to f16: at most half an f16 ulp, 2^-11 of |out|,
 *   hence rtol 2^-11 on top of the f32 bound. The reference uses the f16-rounded inputs the tensor really holds.
 */
export function resizeTolerance(dtype: DType, m: number): { atol: number; rtol: number } {
  return dtype === 'f16' ? { atol: 2e-6 * m, rtol: 2 ** -11 } : { atol: 2e-6 * m, rtol: 0 };
}
/** max|x| of the inputs, and of a bicubic output: its negative lobes overshoot to ~1.6 m. */
const M_INPUT = 2;
const M_BICUBIC = 2 * 1.6;

function bilinearCase(shape: number[], out: [number, number], k: number): OpCase {
  return {
    op: 'resizeBilinear',
    label: `[${shape}] -> ${out.join('x')}`,
    purpose: 'test',
    params: { outH: out[0], outW: out[1] },
    dtypes: FLOAT_DTYPES,
    setup(dtype, seed = 300 + k) {
      const x = hostInput('x', shape, dtype, seed, -2, 2);
      return {
        inputs: [x],
        outShape: [...shape.slice(0, -2), ...out],
        run: ([tx]) => resizeBilinear(tx, out[0], out[1]),
        reference: () => ({ expected: resizeBilinearRef(x.data, shape, out[0], out[1]), ...resizeTolerance(dtype, M_INPUT) }),
      };
    },
  };
}

export const resizeBilinearCases: OpCase[] = [
  { shape: [1, 37], out: [3, 50] as [number, number] }, // 1xN, H up, W up
  { shape: [1, 1, 1], out: [5, 4] as [number, number] }, // a single pixel broadcasts
  { shape: [4, 6], out: [4, 6] as [number, number] }, // same size: identity
  { shape: [1, 7, 9], out: [3, 4] as [number, number] }, // down-sampling, non-integer ratios
  { shape: [3, 13, 14], out: [208, 224] as [number, number] }, // x16, the patch-grid -> crop upsample
  { shape: [2, 13, 14], out: [200, 300] as [number, number] }, // non-integer ratios 200/13, 300/14
  { shape: [2, 50, 3], out: [7, 11] as [number, number] }, // down in H, up in W
  { shape: [5, 28, 28], out: [448, 448] as [number, number] }, // large: 5 classes, 28x28 grid -> 448x448 pixels
].map((c, k) => bilinearCase(c.shape, c.out, k));

function bicubicCase(shape: number[], scale: [number, number], opts: { outH?: number; outW?: number } | undefined, k: number): OpCase {
  const h = opts?.outH ?? Math.floor(shape.at(-2)! * scale[0]);
  const w = opts?.outW ?? Math.floor(shape.at(-1)! * scale[1]);
  return {
    op: 'resizeBicubic',
    label: `[${shape}] x(${scale.map((s) => s.toFixed(4)).join(', ')}) -> ${h}x${w}`,
    purpose: 'test',
    params: { scaleH: scale[0], scaleW: scale[1], ...opts },
    dtypes: FLOAT_DTYPES,
    setup(dtype, seed = 400 + k) {
      const x = hostInput('x', shape, dtype, seed, -2, 2);
      return {
        inputs: [x],
        outShape: [...shape.slice(0, -2), h, w],
        run: ([tx]) => resizeBicubic(tx, scale[0], scale[1], opts),
        reference: () => ({ expected: resizeBicubicRef(x.data, shape, scale[0], scale[1], opts), ...resizeTolerance(dtype, M_BICUBIC) }),
      };
    },
  };
}

export const resizeBicubicCases: OpCase[] = [
  { shape: [64, 14, 14], scale: [13.1 / 14, 14.1 / 14] }, // position-grid interpolation to 13x14
  { shape: [1, 37], scale: [3, 0.5] }, // 1xN
  { shape: [1, 9, 7], scale: [0.4, 0.45] }, // down-sampling
  { shape: [3, 13, 14], scale: [16, 16] }, // 13 -> 208
  { shape: [2, 13, 14], scale: [200 / 13, 300 / 14] }, // non-integer ratios
  { shape: [2, 10, 12], scale: [1.5, 0.7], opts: { outH: 16, outW: 9 } }, // explicit size: taps past the edge
  { shape: [5, 28, 28], scale: [16, 16] }, // large
].map((c: { shape: number[]; scale: number[]; opts?: { outH?: number; outW?: number } }, k) => bicubicCase(c.shape, c.scale as [number, number], c.opts, k));
