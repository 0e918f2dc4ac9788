// ClearCLIP's own kernels (window merge, segmentation post-processing) join the tensor core's registry when any
// op of this folder is imported; the sources are bundled by scripts/bundle-kernels.mjs from ../../kernels/*.wgsl.
// Their descriptors (workgroup size, grid rule, bindings) are defined here with them.
import { defineKernel, registerKernels } from '@clearclip/tensor';
import { KERNEL_SOURCES } from '../kernels.generated.js';

registerKernels('clearclip', KERNEL_SOURCES);

export const WINDOW_MERGE = defineKernel({
  kernel: 'window_merge',
  workgroupSize: 256,
  grid: 'perInvocation',
  bindings: { uniforms: true, inputs: ['win', 'boxes'], outputs: ['out'] },
});
export const SEG_ACCUMULATE = defineKernel({
  kernel: 'seg_accumulate',
  workgroupSize: 256,
  grid: 'perInvocation',
  bindings: { uniforms: true, inputs: ['logits', 'qclass'], outputs: ['stats', 'best'] },
});
export const SEG_PROBS = defineKernel({
  kernel: 'seg_probs',
  workgroupSize: 256,
  grid: 'perInvocation',
  bindings: { uniforms: true, inputs: ['logits', 'ranges', 'stats'], outputs: ['probs'] },
});
