import type { Tensor } from '../tensor.js';
import { grid1d, params } from './grid.js';
import { rowsOf } from './rows.js';

/** Softmax over the last axis of scale * x, computed stably (the row max is subtracted first). */
export function softmax(x: Tensor, opts: { scale?: number } = {}): Tensor {
  const { rows, cols } = rowsOf('softmax', x);
  const scale = opts.scale ?? 1;
  if (!Number.isFinite(scale)) throw new Error(`softmax: scale must be finite, got ${scale}`);
  const out = x.device.empty(x.shape, x.dtype, 'softmax');
  x.device.dispatch({
    kernel: 'softmax',
    defines: { T: x.dtype },
    uniforms: params([{ u: rows }, { u: cols }, { f: scale }, { u: 0 }]),
    inputs: [x],
    outputs: [out],
    workgroups: grid1d(rows),
    label: 'softmax',
  });
  return out;
}
