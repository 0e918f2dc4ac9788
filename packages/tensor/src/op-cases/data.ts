/** Deterministic inputs for the op cases, so that a failure reproduces. */
import { roundToF16, type DType } from '../dtype.js';
import type { HostInput } from './types.js';

/** mulberry32 pseudo-random numbers in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n uniform values in [lo, hi). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

export const numel = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/**
 * Uniform values in [lo, hi) as a tensor of `dtype` stores them: f16 rounded to f16 (so the reference sees the
 * stored values and the f16 input rounding adds no error), i32 as round(1000 v).
 */
export function hostInput(name: string, shape: number[], dtype: DType, seed: number, lo = -1, hi = 1): HostInput {
  const u = uniform(numel(shape), seed, lo, hi);
  const data = dtype === 'f16' ? roundToF16(u) : dtype === 'i32' ? Int32Array.from(u, (v) => Math.round(v * 1000)) : u;
  return { name, data, shape, dtype };
}

export const BYTES: Record<DType, number> = { f32: 4, f16: 2, i32: 4, u32: 4 };
export const FLOAT_DTYPES = ['f32', 'f16'] as const;
export const COPY_DTYPES = ['f32', 'f16', 'i32'] as const;
