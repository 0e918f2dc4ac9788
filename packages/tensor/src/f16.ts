/** Float conversions on the CPU, the one f16 converter: tensor uploads and downloads, safetensors writes and checkpoint conversion (gigabytes: no polyfill, no per-value allocation). */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** f32 -> IEEE binary16 bits with round-to-nearest-even; overflow gives +-Inf, NaN stays NaN (quiet). */
export function f32ToF16Bits(src: Float32Array, dst: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  for (let i = 0; i < src.length; i++) {
    f32[0] = src[i];
    const x = u32[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      dst[i] = sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      dst[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      // Subnormal half (or zero): shift the mantissa with its implicit bit, then round to nearest even.
      if (e < -10) {
        dst[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      const half = 1 << (shift - 1);
      const rest = mant & ((1 << shift) - 1);
      let h = mant >>> shift;
      if (rest > half || (rest === half && (h & 1))) h++;
      dst[i] = sign | h;
      continue;
    }
    let h = (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    // A carry out of the mantissa correctly bumps the exponent (up to Inf).
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++;
    dst[i] = sign | h;
  }
  return dst;
}

/** IEEE binary16 bits -> f32 (exact). */
export function f16BitsToF32(src: Uint16Array, dst: Float32Array = new Float32Array(src.length)): Float32Array {
  for (let i = 0; i < src.length; i++) {
    const h = src[i];
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) {
      // Subnormal: mant * 2^-24, exact in f32.
      const v = mant * 5.960464477539063e-8;
      dst[i] = sign ? -v : v;
      continue;
    }
    u32[0] = exp === 0x1f ? sign | 0x7f800000 | (mant << 13) : sign | ((exp - 15 + 127) << 23) | (mant << 13);
    dst[i] = f32[0];
  }
  return dst;
}

/** bfloat16 bits -> f32 (exact: bf16 is the top half of an f32). */
export function bf16BitsToF32(src: Uint16Array, dst: Float32Array = new Float32Array(src.length)): Float32Array {
  const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] << 16;
  return dst;
}
