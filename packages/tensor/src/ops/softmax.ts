import type { Tensor } from '../tensor.js';
import { params } from './grid.js';
import { defineKernel } from '../kernel-descriptor.js';
import { rowsOf } from './rows.js';

/** Rows up to this long take one invocation each (softmax_rows.wgsl); longer rows one workgroup each. */
const SOFTMAX_SHORT_ROW = 1024;

const SOFTMAX_ROWS = defineKernel({
  kernel: 'softmax_rows',
  workgroupSize: 64,
  grid: 'perInvocation',
  bindings: { uniforms: true, inputs: ['x'], outputs: ['out'] },
});
const SOFTMAX = defineKernel({
  kernel: 'softmax',
  workgroupSize: 256,
  grid: 'perWorkgroup',
  bindings: { uniforms: true, inputs: ['x'], outputs: ['out'] },
});

/** Softmax over the last axis of scale * x, computed stably (the row max is subtracted first). */
export function softmax(x: Tensor, opts: { scale?: number } = {}): Tensor {
  const { rows, cols } = rowsOf('softmax', x);
  const scale = opts.scale ?? 1;
  if (!Number.isFinite(scale)) throw new Error(`softmax: scale must be finite, got ${scale}`);
  const out = x.device.empty(x.shape, x.dtype, 'softmax');
  const short = cols <= SOFTMAX_SHORT_ROW;
  (short ? SOFTMAX_ROWS : SOFTMAX).dispatch(x.device, {
    defines: { T: x.dtype },
    uniforms: params([{ u: rows }, { u: cols }, { f: scale }, { u: 0 }]),
    inputs: [x],
    outputs: [out],
    count: rows,
    label: 'softmax',
  });
  return out;
}
