import { roundToHalfRef } from './f16-rounding.js';

/**
 * Host twin of ops/cast: what a cast to `dtype` stores (f16 rounds to nearest even; f32 rounds to f32). The f16
 * rounding is the arithmetic one of f16-rounding.ts, not the converter that uploads f16 tensors (dtype.ts), so
 * that the reference does not share the code it checks.
 */
export function castRef(x: ArrayLike<number>, dtype: 'f32' | 'f16'): Float32Array {
  if (dtype === 'f32') return Float32Array.from(x);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = roundToHalfRef(Math.fround(x[i]));
  return out;
}
