import type { Tensor } from '../tensor.js';
import { isFloat } from '../dtype.js';
import { normAxis, shapeStr } from '../shape.js';
import { params } from './grid.js';
import { defineKernel } from '../kernel-descriptor.js';

const MAX_AXIS = defineKernel({
  kernel: 'max_axis',
  workgroupSize: 256,
  grid: 'perInvocation',
  bindings: { uniforms: true, inputs: ['x'], outputs: ['out'] },
});

function reduce(op: 'max' | 'argmax', x: Tensor, axis: number): Tensor {
  if (!isFloat(x.dtype)) throw new Error(`${op}: needs a float tensor, got ${x} (${x.dtype})`);
  if (x.rank === 0) throw new Error(`${op}: needs at least one axis, got a scalar ${shapeStr(x.shape)}`);
  const a = normAxis(axis, x.rank, `${op} of ${shapeStr(x.shape)}`);
  const len = x.shape[a];
  if (len === 0) throw new Error(`${op}: axis ${axis} of ${shapeStr(x.shape)} is empty`);
  const inner = x.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const outShape = x.shape.filter((_, i) => i !== a);
  const out = x.device.empty(outShape, op === 'argmax' ? 'i32' : x.dtype, op);
  const n = out.size;
  MAX_AXIS.dispatch(x.device, {
    defines: { T: x.dtype, O: op === 'argmax' ? 'i32' : x.dtype, ARG: op === 'argmax' ? '1u' : '0u' },
    uniforms: params([{ u: n }, { u: len }, { u: Math.max(1, inner) }, { u: 0 }]),
    inputs: [x],
    outputs: [out],
    count: n,
    label: op,
  });
  return out;
}

/**
 * Index (i32) of the largest value along `axis`, which the result drops. Ties: the first maximum wins
 * (torch.argmax, numpy.argmax). NaN counts as larger than everything: the index of the first NaN is returned.
 */
export function argmax(x: Tensor, axis: number): Tensor {
  return reduce('argmax', x, axis);
}

/** Largest value along `axis` (dropped from the result), in x's dtype. Any NaN along the axis gives NaN (torch.amax). */
export function max(x: Tensor, axis: number): Tensor {
  return reduce('max', x, axis);
}
