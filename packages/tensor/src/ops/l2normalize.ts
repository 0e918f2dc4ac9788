import type { Tensor } from '../tensor.js';
import { params } from './grid.js';
import { rowsOf } from './rows.js';
import { defineKernel } from '../kernel-descriptor.js';

const L2NORMALIZE = defineKernel({
  kernel: 'l2normalize',
  workgroupSize: 256,
  grid: 'perWorkgroup',
  bindings: { uniforms: true, inputs: ['x'], outputs: ['out'] },
});

const QUIET_NAN_BITS = 0x7fc00000;

/**
 * Each row of the last axis divided by its L2 norm.
 * Without eps: x / ||x||, PyTorch's x / x.norm(dim=-1, keepdim=True), so an all-zero row becomes NaN (0/0).
 * With eps: x / max(||x||, eps), as torch.nn.functional.normalize(x, dim=-1, eps=eps); an all-zero row stays 0.
 */
export function l2Normalize(x: Tensor, opts: { eps?: number } = {}): Tensor {
  const { rows, cols } = rowsOf('l2Normalize', x);
  const eps = opts.eps;
  if (eps !== undefined && !(eps > 0 && Number.isFinite(eps))) throw new Error(`l2Normalize: eps must be a finite number > 0, got ${eps}`);
  const out = x.device.empty(x.shape, x.dtype, 'l2Normalize');
  L2NORMALIZE.dispatch(x.device, {
    defines: { T: x.dtype, HAS_EPS: eps === undefined ? '0u' : '1u' },
    uniforms: params([{ u: rows }, { u: cols }, { f: eps ?? 0 }, { u: QUIET_NAN_BITS }]),
    inputs: [x],
    outputs: [out],
    count: rows,
    label: 'l2Normalize',
  });
  return out;
}
