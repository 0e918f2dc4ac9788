import type { Tensor } from '../tensor.js';
import { grid1d, params, ceilDiv } from './grid.js';

const WG = 256;

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
  src.device.dispatch({
    kernel: 'copy2d',
    defines: { T: src.dtype },
    uniforms: params([{ u: b.rows }, { u: b.cols }, { u: b.srcOff }, { u: b.srcStride }, { u: b.dstOff }, { u: b.dstStride }]),
    inputs: [src],
    outputs: [dst],
    workgroups: grid1d(ceilDiv(n, WG)),
    label,
  });
}
