import { f16BitsToF32, f32ToF16Bits } from './f16.js';

/** Element types a tensor can hold. f16 needs the adapter's `shader-f16` feature. */
export type DType = 'f32' | 'f16' | 'i32' | 'u32';
export type FloatDType = 'f32' | 'f16';

export const BYTES_PER_ELEMENT: Record<DType, number> = { f32: 4, f16: 2, i32: 4, u32: 4 };

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === 'f32' || dtype === 'f16';
}

/**
 * Round values to f16 bit patterns (round to nearest even). The values go through f32 first: every caller holds
 * f32 data, and one converter (f16.ts) serves uploads, downloads and checkpoint conversion alike.
 */
export function toF16Bits(values: ArrayLike<number>): Uint16Array {
  return f32ToF16Bits(values instanceof Float32Array ? values : Float32Array.from(values));
}

/** Expand f16 bit patterns into f32 values (exact). */
export function fromF16Bits(bits: Uint16Array): Float32Array {
  return f16BitsToF32(bits);
}

/** Round values through f16 and back: what an f16 tensor stores. */
export function roundToF16(values: ArrayLike<number>): Float32Array {
  return fromF16Bits(toF16Bits(values));
}

export type HostArray = Float32Array | Int32Array | Uint32Array;
