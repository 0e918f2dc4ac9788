import { cast } from '../ops/cast.js';
import { castRef } from '../reference/cast.js';
import { roundToF16, type FloatDType } from '../dtype.js';
import { numel, uniform } from './data.js';
import { EXACT } from './exact.js';
import type { OpCase } from './types.js';

/**
 * Values spread over f16's whole range: normals from 2^-14 to 60000, subnormals, zeros of both signs, and
 * halfway cases between two f16 values (1 + 2^-11 lies exactly between 1 and 1 + 2^-10).
 */
export function wideF16Range(n: number, seed: number): Float32Array {
  const u = uniform(n, seed, 0, 1);
  const s = uniform(n, seed + 1, -1, 1);
  const x = Float32Array.from(u, (v, i) => Math.sign(s[i]) * 2 ** (-24 + 40 * v));
  const special = [1 + 2 ** -11, 1 + 3 * 2 ** -11, 0, -0, 65504, -65504, 2 ** -24, 2 ** -14, 1 / 3, -2 / 3];
  x.set(special.slice(0, n));
  return x.map((v) => Math.min(65504, Math.max(-65504, v)));
}

// f32 -> f16: WGSL lets a conversion round to either neighbour, so the guarantee is one f16 ulp (2^-10 relative,
// 2^-24 absolute for subnormals); lavapipe rounds to nearest even, like the host, giving 0 here. From f16 every
// value is exact in the target: tolerance 0.
const castTolerance = (from: FloatDType, to: FloatDType) => (from === 'f32' && to === 'f16' ? { atol: 2 ** -24, rtol: 2 ** -10 } : EXACT);

/** A cast between dtypes: every direction involves f16, so the case runs only in the 'f16' pass (shader-f16). */
function castCase(shape: number[], from: FloatDType, to: FloatDType): OpCase {
  return {
    op: 'cast',
    label: `${from}->${to} [${shape}]`,
    purpose: 'test',
    params: { from, to },
    dtypes: ['f16'],
    setup(_dtype, seed = numel(shape)) {
      const wide = wideF16Range(numel(shape), seed);
      const x = { name: 'x', shape, dtype: from, data: from === 'f16' ? roundToF16(wide) : wide };
      return {
        inputs: [x],
        outShape: shape,
        outDType: to,
        run: ([tx]) => cast(tx, to),
        reference: () => ({ expected: Float64Array.from(castRef(x.data, to)), ...castTolerance(from, to) }),
      };
    },
  };
}

export const castCases: OpCase[] = [[1], [3], [7, 13], [3, 1000, 5]].flatMap((shape) => [
  castCase(shape, 'f32', 'f16'),
  castCase(shape, 'f16', 'f32'),
  castCase(shape, 'f16', 'f16'),
]);
