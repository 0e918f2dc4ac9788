import type { Tensor } from '../tensor.js';
import { shapeStr } from '../shape.js';
import { params } from './grid.js';
import { defineKernel } from '../kernel-descriptor.js';

const PAD2D = defineKernel({
  kernel: 'pad2d',
  workgroupSize: 256,
  grid: 'perInvocation',
  bindings: { uniforms: true, inputs: ['x'], outputs: ['out'] },
});

export interface Pads2d {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Constant padding (default 0) of the last two axes (H, W) of [..., H, W]; every pad is an integer >= 0. */
export function pad2d(x: Tensor, pads: Pads2d, value = 0): Tensor {
  const { top, bottom, left, right } = pads;
  if (x.rank < 2) throw new Error(`pad2d: needs [..., H, W] (rank >= 2), got ${shapeStr(x.shape)}`);
  if (![top, bottom, left, right].every((v) => Number.isInteger(v) && v >= 0)) {
    throw new Error(`pad2d: pads top ${top}, bottom ${bottom}, left ${left}, right ${right} for ${shapeStr(x.shape)} must be integers >= 0`);
  }
  const intOk = x.dtype === 'i32' ? Number.isInteger(value) : x.dtype === 'u32' ? Number.isInteger(value) && value >= 0 : true;
  if (!intOk) throw new Error(`pad2d: value ${value} cannot be stored in the ${x.dtype} tensor ${shapeStr(x.shape)}`);
  const h = x.shape[x.rank - 2];
  const w = x.shape[x.rank - 1];
  const shape = [...x.shape.slice(0, -2), h + top + bottom, w + left + right];
  const out = x.device.empty(shape, x.dtype, 'pad2d');
  if (out.size === 0) return out;
  PAD2D.dispatch(x.device, {
    defines: { T: x.dtype },
    uniforms: params([{ u: out.size }, { u: h }, { u: w }, { u: shape.at(-2)! }, { u: shape.at(-1)! }, { u: top }, { u: left }, { f: value }]),
    inputs: [x],
    outputs: [out],
    count: out.size,
    label: 'pad2d',
  });
  return out;
}
