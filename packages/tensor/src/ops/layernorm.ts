import type { Tensor } from '../tensor.js';
import { isFloat } from '../dtype.js';
import { shapeStr } from '../shape.js';
import { params } from './grid.js';
import { defineKernel } from '../kernel-descriptor.js';
import { rowsOf } from './rows.js';
import { selectRowVariant, type RowVariant } from '../tune/rows.js';

const LAYERNORM_ROWS = defineKernel({
  kernel: 'layernorm_rows',
  workgroupSize: 64,
  grid: 'perInvocation',
  bindings: { uniforms: true, inputs: ['x', 'gamma', 'beta'], outputs: ['out'] },
});
const LAYERNORM = defineKernel({
  kernel: 'layernorm',
  workgroupSize: 256,
  grid: 'perWorkgroup',
  bindings: { uniforms: true, inputs: ['x', 'gamma', 'beta'], outputs: ['out'] },
});

/**
 * LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta, biased variance (PyTorch).
 * gamma and beta are [D] (D = x's last dimension) and may be f32 or f16 independently of x. Rows run one per
 * invocation (layernorm_rows.wgsl) or one per workgroup (layernorm.wgsl): the tuned choice for the row length, else
 * the heuristic threshold (tune/rows.ts); opts.variant forces one (tests, the tuner).
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5, opts: { variant?: RowVariant } = {}): Tensor {
  const { rows, cols } = rowsOf('layerNorm', x);
  for (const [name, p] of [['gamma', gamma], ['beta', beta]] as const) {
    if (p.rank !== 1 || p.shape[0] !== cols) {
      throw new Error(`layerNorm: ${name} has shape ${shapeStr(p.shape)}, expected [${cols}] (the last dimension of x ${shapeStr(x.shape)})`);
    }
    if (!isFloat(p.dtype)) throw new Error(`layerNorm: ${name} must be f32 or f16, got ${p.dtype}`);
  }
  if (gamma.dtype !== beta.dtype) throw new Error(`layerNorm: gamma (${gamma.dtype}) and beta (${beta.dtype}) dtypes differ`);
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new Error(`layerNorm: eps must be a finite number >= 0, got ${eps}`);
  const out = x.device.empty(x.shape, x.dtype, 'layerNorm');
  const short = selectRowVariant(x.device, 'layernorm', x.dtype, cols, opts.variant) === 'rows';
  (short ? LAYERNORM_ROWS : LAYERNORM).dispatch(x.device, {
    defines: { T: x.dtype, P: gamma.dtype },
    uniforms: params([{ u: rows }, { u: cols }, { f: eps }, { u: 0 }]),
    inputs: [x, gamma, beta],
    outputs: [out],
    count: rows,
    label: 'layerNorm',
  });
  return out;
}
