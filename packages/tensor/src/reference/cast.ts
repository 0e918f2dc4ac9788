import { roundToF16 } from '../dtype.js';

/** Host twin of ops/cast: what a cast to `dtype` stores (f16 rounds to nearest even; f32 rounds to f32). */
export function castRef(x: ArrayLike<number>, dtype: 'f32' | 'f16'): Float32Array {
  return dtype === 'f16' ? roundToF16(x) : Float32Array.from(x);
}
