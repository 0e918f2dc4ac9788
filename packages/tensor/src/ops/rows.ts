import type { Tensor } from '../tensor.js';
import { isFloat } from '../dtype.js';
import { shapeStr } from '../shape.js';

/** The [rows, cols] view that the last-axis row kernels (softmax, layerNorm, l2Normalize) work on. */
export function rowsOf(op: string, x: Tensor): { rows: number; cols: number } {
  if (!isFloat(x.dtype)) throw new Error(`${op}: needs a float tensor, got ${x} (${x.dtype})`);
  if (x.rank === 0) throw new Error(`${op}: needs at least one axis, got a scalar ${shapeStr(x.shape)}`);
  const cols = x.shape[x.rank - 1];
  if (cols === 0) throw new Error(`${op}: last axis of ${shapeStr(x.shape)} is empty`);
  return { rows: x.size / cols, cols };
}
