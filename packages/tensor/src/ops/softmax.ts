import type { Tensor } from '../tensor.js';
import { params } from './grid.js';
import { defineKernel } from '../kernel-descriptor.js';
import { rowsOf } from './rows.js';
import { selectRowVariant, type RowVariant } from '../tune/rows.js';

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

/**
 * Softmax over the last axis of scale * x, computed stably (the row max is subtracted first). Rows run one per
 * invocation (softmax_rows.wgsl) or one per workgroup (softmax.wgsl): the tuned choice for the row length, else
 * the heuristic threshold (tune/rows.ts); opts.variant forces one (tests, the tuner).
 */
export function softmax(x: Tensor, opts: { scale?: number; variant?: RowVariant } = {}): Tensor {
  const { rows, cols } = rowsOf('softmax', x);
  const scale = opts.scale ?? 1;
  if (!Number.isFinite(scale)) throw new Error(`softmax: scale must be finite, got ${scale}`);
  const out = x.device.empty(x.shape, x.dtype, 'softmax');
  const short = selectRowVariant(x.device, 'softmax', x.dtype, cols, opts.variant) === 'rows';
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
