import type { Tensor } from '../tensor.js';
import { params } from './grid.js';
import { defineKernel } from '../kernel-descriptor.js';

const COPY2D = defineKernel({
  kernel: 'copy2d',
  workgroupSize: 256,
  grid: 'perInvocation',
  bindings: { uniforms: true, inputs: ['x'], outputs: ['out'] },
});

/** A strided block copy (kernels/copy2d.wgsl): rows x cols elements, each side with its own offset and row stride. */
export interface Block {
  rows: number;
  cols: number;
  srcOff: number;
  srcStride: number;
  dstOff: number;
  dstStride: number;
}

export function copyBlock(src: Tensor, dst: Tensor, b: Block, label: string): void {
  const n = b.rows * b.cols;
  if (n === 0) return;
  COPY2D.dispatch(src.device, {
    defines: { T: src.dtype },
    uniforms: params([{ u: b.rows }, { u: b.cols }, { u: b.srcOff }, { u: b.srcStride }, { u: b.dstOff }, { u: b.dstStride }]),
    inputs: [src],
    outputs: [dst],
    count: n,
    label,
  });
}
