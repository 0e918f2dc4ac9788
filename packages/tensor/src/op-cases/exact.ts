/**
 * Ops that only move elements (permute, concat, slice, gatherRows) must return the stored values bit for bit in
 * every dtype: tolerance 0 (f16 inputs are drawn as f16 values, so the reference sees what the tensor stores).
 */
export const EXACT = { atol: 0, rtol: 0 } as const;
