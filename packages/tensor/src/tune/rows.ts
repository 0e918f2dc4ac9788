/**
 * Row kernels (softmax, layerNorm) come in two shapes: one invocation per row (softmax_rows / layernorm_rows, serial
 * passes, no barriers) and one workgroup per row (softmax / layernorm, strided passes and workgroup reductions).
 * Which is faster depends on the row length and the adapter: on CPU adapters a workgroup is a loop and its
 * barriers cost, on GPUs a long row left to one invocation leaves the machine idle. The choice is a tuner decision
 * per (op, dtype, row-length bucket); without a tuned entry (and under CLEARCLIP_TUNE=off) the threshold constants
 * below decide, as they did before the tuner.
 */
import { bucket } from './shape-key.js';
import { tunedChoice, tuningEnabled } from './choices.js';

export type RowOp = 'softmax' | 'layernorm';
/** 'rows': one invocation per row; 'workgroup': one workgroup per row. */
export type RowVariant = 'rows' | 'workgroup';
export const ROW_VARIANTS: readonly RowVariant[] = ['rows', 'workgroup'];

/** The heuristic: rows up to this long take one invocation each (measured on lavapipe when the kernels were written). */
export const ROW_THRESHOLDS: Readonly<Record<RowOp, number>> = { softmax: 1024, layernorm: 4096 };

/** The kernel files behind each op's two variants (their sources version the tuning cache). */
export const ROW_KERNELS: Readonly<Record<RowOp, readonly string[]>> = {
  softmax: ['softmax_rows', 'softmax'],
  layernorm: ['layernorm_rows', 'layernorm'],
};

export function heuristicRowVariant(op: RowOp, cols: number): RowVariant {
  return cols <= ROW_THRESHOLDS[op] ? 'rows' : 'workgroup';
}

/** Tuning cache key: rows within a factor of two of each other in length share an entry (the row count does not matter much). */
export function rowShapeKey(op: RowOp, dtype: string, cols: number): string {
  return `${op}/${dtype}/c${bucket(cols)}`;
}

/** The selection point softmax() and layerNorm() call: a forced variant, else the tuned choice, else the heuristic. */
export function selectRowVariant(dev: object, op: RowOp, dtype: string, cols: number, forced?: RowVariant): RowVariant {
  if (forced) {
    if (!ROW_VARIANTS.includes(forced)) throw new Error(`${op}: unknown variant "${forced}" (known: ${ROW_VARIANTS.join(', ')})`);
    return forced;
  }
  const tuned = tuningEnabled() ? tunedChoice(dev, rowShapeKey(op, dtype, cols)) : undefined;
  // A stale or foreign name in the cache must never break a launch: the heuristic then decides.
  return tuned && (ROW_VARIANTS as readonly string[]).includes(tuned) ? (tuned as RowVariant) : heuristicRowVariant(op, cols);
}
