/** Tuning cache keys: one entry per (kernel family, dtype, shape bucket). */
import type { MatmulProblem } from '../ops/matmul-variants.js';

/** Next power of two at or above x (1 for 0): shapes within a factor of two share an entry. */
export function bucket(x: number): number {
  return x <= 1 ? 1 : 2 ** Math.ceil(Math.log2(x));
}

/**
 * The layout flags are part of the key because they change which loads a kernel can use: a transposed or
 * misaligned B, or a misaligned A, is a different problem for the tiled kernels than a dense aligned one.
 */
export function matmulShapeKey(p: MatmulProblem): string {
  const layout = `${p.transposed ? 'T' : 'N'}${p.vecA ? 'a4' : ''}${p.vecB ? 'b4' : ''}`;
  return `matmul/${p.dtype}/b${bucket(p.batch)}/m${bucket(p.M)}/n${bucket(p.N)}/k${bucket(p.K)}/${layout}`;
}
