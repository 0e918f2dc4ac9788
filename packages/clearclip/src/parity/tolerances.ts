import type { FloatDType } from '@clearclip/tensor';

/**
 * Allowed max |error| relative to max|ref| per kind of tensor. The references are float64 runs; the fixture README's
 * "f32 dev" column (float32 runs of the same code) is about 1e-6 relative, so f32 gets 1e-5: room for a different
 * summation order, no room for a wrong formula. f16 stores activations with 11 significant bits through every block:
 * a few 1e-3 relative is the expected drift, so f16 gets 3e-2 (what we reach is printed beside it).
 */
export function tolerances(dtype: FloatDType): { tower: number; queries: number; logits: number; probs: number } {
  return dtype === 'f32'
    ? { tower: 1e-5, queries: 1e-5, logits: 1e-5, probs: 1e-4 }
    : // probs: the measured f16 error is about 3e-3 of max|ref|; 1e-2 is 3x that, and far below what swapping two
      // classes' probabilities costs (test/clearclip/tolerances.test.ts checks that a swap fails it).
      { tower: 3e-2, queries: 3e-2, logits: 5e-2, probs: 1e-2 };
}
