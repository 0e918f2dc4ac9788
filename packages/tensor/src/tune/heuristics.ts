/**
 * Kernel choice without a tuned entry (and always under CLEARCLIP_TUNE=off): rules per adapter class, so that an
 * untuned run is reasonable everywhere and reproducible.
 */
import type { GpuDevice } from '../device.js';
import type { MatmulProblem } from '../ops/matmul-variants.js';
import { adapterClass } from './adapter.js';

/**
 * Software adapters run invocations as CPU SIMD lanes, where workgroup memory reads are gathers: the lane kernel
 * (measured 3-5x tfjs on lavapipe). Hardware GPUs get a workgroup-memory tiled kernel: a 32x32 tile where a 64x64
 * grid would leave most of a GPU idle (few output tiles), otherwise 64x64 with 8x4 outputs per invocation (128
 * invocations: four 32-wide warps or two 64-wide waves). NVIDIA, whose register files are large, gets 8x8 blocking
 * on a 128x64 tile for big products. These hardware rules are the usual starting points from the literature and
 * other WebGPU libraries, not measured here (no hardware GPU in this project's CI): the tuner is what decides.
 */
export function heuristicMatmulVariant(dev: GpuDevice, prob: MatmulProblem): string {
  if (adapterClass(dev) === 'software') return 'lane';
  const tiles64 = prob.batch * Math.ceil(prob.M / 64) * Math.ceil(prob.N / 64);
  if (tiles64 < 64) return 'tiled32x32k16t4x4';
  const vendor = dev.adapterDescription.vendor.toLowerCase();
  if (vendor.includes('nvidia') && tiles64 >= 256 && prob.M >= 128) return 'tiled128x64k16t8x8';
  return 'tiled64x64k16t8x4';
}
