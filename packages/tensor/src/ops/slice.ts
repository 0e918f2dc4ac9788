import type { Tensor } from '../tensor.js';
import { normAxis, numel, shapeStr } from '../shape.js';
import { copyBlock } from './copy2d.js';

/** Elements [start, end) along `axis` (negative axis counts from the end; start and end are 0 <= start <= end <= dim). */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = normAxis(axis, x.rank, `slice of ${shapeStr(x.shape)}`);
  const dim = x.shape[ax];
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > dim || start > end) {
    throw new Error(`slice: [${start}, ${end}) is out of range for axis ${ax} of size ${dim} in ${shapeStr(x.shape)} (need 0 <= start <= end <= ${dim})`);
  }
  const shape = x.shape.slice();
  shape[ax] = end - start;
  const out = x.device.empty(shape, x.dtype, 'slice');
  const inner = numel(x.shape.slice(ax + 1));
  const cols = (end - start) * inner;
  copyBlock(x, out, { rows: numel(x.shape.slice(0, ax)), cols, srcOff: start * inner, srcStride: dim * inner, dstOff: 0, dstStride: cols }, 'slice');
  return out;
}
