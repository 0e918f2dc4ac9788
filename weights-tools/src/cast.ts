/** Per-tensor data transforms for `convert`: widen to f32, transpose 2-D, narrow to the target dtype. */
import type { StDtype } from '@clearclip/tensor/safetensors';
import { bf16BitsToF32, f16BitsToF32, f32ToF16Bits } from '@clearclip/tensor';

export const FLOAT_DTYPES: readonly StDtype[] = ['F64', 'F32', 'F16', 'BF16'];

export function isFloatDtype(d: StDtype): boolean {
  return FLOAT_DTYPES.includes(d);
}

/** Raw little-endian bytes of a float dtype -> f32 values (F64 rounds; the others are exact). */
export function toFloat32(raw: Uint8Array, dtype: StDtype): Float32Array {
  // Copy when misaligned: typed-array views need an element-aligned offset.
  const buf = raw.byteOffset % 8 === 0 ? raw : raw.slice();
  const { buffer, byteOffset, byteLength } = buf;
  switch (dtype) {
    case 'F32': return new Float32Array(buffer, byteOffset, byteLength / 4);
    case 'F64': return Float32Array.from(new Float64Array(buffer, byteOffset, byteLength / 8));
    case 'F16': return f16BitsToF32(new Uint16Array(buffer, byteOffset, byteLength / 2));
    case 'BF16': return bf16BitsToF32(new Uint16Array(buffer, byteOffset, byteLength / 2));
    default: throw new Error(`toFloat32: ${dtype} is not a float dtype`);
  }
}

/** Row-major [rows, cols] -> [cols, rows], blocked so both sides stay cache-friendly. */
export function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  if (src.length !== rows * cols) throw new Error(`transpose2d: ${src.length} elements do not form [${rows}, ${cols}]`);
  const dst = new Float32Array(src.length);
  const B = 32;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(r0 + B, rows);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(c0 + B, cols);
      for (let r = r0; r < r1; r++) {
        const base = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[base + c];
      }
    }
  }
  return dst;
}

/** f32 values -> raw bytes of F32 or F16 (round to nearest even). */
export function fromFloat32(values: Float32Array, dtype: 'F32' | 'F16'): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bits = f32ToF16Bits(values);
  return new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength);
}
