import { Float16Array as Float16Polyfill } from '@petamoriken/float16';

/** Element types a tensor can hold. f16 needs the adapter's `shader-f16` feature. */
export type DType = 'f32' | 'f16' | 'i32' | 'u32';
export type FloatDType = 'f32' | 'f16';

export const BYTES_PER_ELEMENT: Record<DType, number> = { f32: 4, f16: 2, i32: 4, u32: 4 };

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === 'f32' || dtype === 'f16';
}

// Node 20 has no native Float16Array; the polyfill gives the same API.
type F16Ctor = new (input: ArrayLike<number> | ArrayBufferLike | number) => ArrayLike<number> & { buffer: ArrayBufferLike };
const NativeF16 = (globalThis as { Float16Array?: F16Ctor }).Float16Array;
const F16: F16Ctor = NativeF16 ?? (Float16Polyfill as unknown as F16Ctor);

/** Round f32 values to f16 bit patterns. */
export function toF16Bits(values: ArrayLike<number>): Uint16Array {
  const h = new F16(values.length) as unknown as { [i: number]: number; buffer: ArrayBufferLike };
  for (let i = 0; i < values.length; i++) h[i] = values[i];
  return new Uint16Array(h.buffer as ArrayBuffer);
}

/** Expand f16 bit patterns into f32 values. */
export function fromF16Bits(bits: Uint16Array): Float32Array {
  const h = new F16(bits.buffer.slice(bits.byteOffset, bits.byteOffset + bits.byteLength)) as ArrayLike<number>;
  return Float32Array.from(h as ArrayLike<number>);
}

/** Round values through f16 and back: what an f16 tensor stores. */
export function roundToF16(values: ArrayLike<number>): Float32Array {
  return fromF16Bits(toF16Bits(values));
}

export type HostArray = Float32Array | Int32Array | Uint32Array;
