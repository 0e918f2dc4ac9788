import type { Tensor } from '../tensor.js';
import { normAxis, numel, shapeStr } from '../shape.js';
import { copyBlock } from './copy2d.js';

/**
 * Concatenate along `axis` (negative counts from the end). All inputs share dtype, device and every other dim.
 * Seen as [outer, axis * inner], each input is a column band of the output: one block copy per input.
 */
export function concat(xs: Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('concat: needs at least one tensor, got an empty list');
  const first = xs[0];
  const ax = normAxis(axis, first.rank, `concat of ${xs.map((x) => shapeStr(x.shape)).join(', ')}`);
  for (const [k, x] of xs.entries()) {
    const same = x.rank === first.rank && x.shape.every((d, a) => a === ax || d === first.shape[a]);
    if (!same || x.dtype !== first.dtype || x.device !== first.device) {
      throw new Error(
        `concat: input ${k} ${shapeStr(x.shape)} ${x.dtype} does not match input 0 ${shapeStr(first.shape)} ${first.dtype} ` +
          `(all dims except axis ${ax}, the dtype and the device must agree)`,
      );
    }
  }
  const shape = first.shape.slice();
  shape[ax] = xs.reduce((n, x) => n + x.shape[ax], 0);
  const out = first.device.empty(shape, first.dtype, 'concat');
  const outer = numel(shape.slice(0, ax));
  const inner = numel(shape.slice(ax + 1));
  const outCols = shape[ax] * inner;
  let off = 0;
  for (const x of xs) {
    const cols = x.shape[ax] * inner;
    copyBlock(x, out, { rows: outer, cols, srcOff: 0, srcStride: cols, dstOff: off, dstStride: outCols }, 'concat');
    off += cols;
  }
  return out;
}
