import type { Tensor } from '../tensor.js';
import { grid1d, params, ceilDiv } from './grid.js';
import { rowsOf } from './rows.js';

/** Rows up to this long take one invocation each (softmax_rows.wgsl); longer rows one workgroup each. */
const SOFTMAX_SHORT_ROW = 1024;

/** Softmax over the last axis of scale * x, computed stably (the row max is subtracted first). */
export function softmax(x: Tensor, opts: { scale?: number } = {}): Tensor {
  const { rows, cols } = rowsOf('softmax', x);
  const scale = opts.scale ?? 1;
  if (!Number.isFinite(scale)) throw new Error(`softmax: scale must be finite, got ${scale}`);
  const out = x.device.empty(x.shape, x.dtype, 'softmax');
  const short = cols <= SOFTMAX_SHORT_ROW;
  x.device.dispatch({
    kernel: short ? 'softmax_rows' : 'softmax',
    defines: { T: x.dtype },
    uniforms: params([{ u: rows }, { u: cols }, { f: scale }, { u: 0 }]),
    inputs: [x],
    outputs: [out],
    workgroups: grid1d(short ? ceilDiv(rows, 64) : rows),
    label: 'softmax',
  });
  return out;
}
