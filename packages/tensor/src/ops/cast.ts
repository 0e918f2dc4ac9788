import type { Tensor } from '../tensor.js';
import { isFloat } from '../dtype.js';
import { params } from './grid.js';
import { defineKernel } from '../kernel-descriptor.js';

const CAST = defineKernel({
  kernel: 'cast',
  workgroupSize: 256,
  grid: 'perInvocation',
  bindings: { uniforms: true, inputs: ['x'], outputs: ['out'] },
});

/**
 * Convert a float tensor to f32 or f16 (a new tensor, also when the dtype is unchanged). f16 -> f32 is exact;
 * f32 -> f16 rounds to nearest. Values beyond the f16 range (|x| > 65504) are implementation-defined in WGSL
 * (infinity or the largest finite value, depending on the GPU): do not rely on overflow behaviour.
 */
export function cast(x: Tensor, dtype: 'f32' | 'f16'): Tensor {
  if (!isFloat(x.dtype)) throw new Error(`cast: ${x} has dtype ${x.dtype}; only f32 and f16 tensors can be cast`);
  if (dtype !== 'f32' && dtype !== 'f16') throw new Error(`cast: target dtype must be f32 or f16, got ${String(dtype)}`);
  const out = x.device.empty(x.shape, dtype, `cast(${x.name})`);
  CAST.dispatch(x.device, {
    defines: { S: x.dtype, T: dtype },
    uniforms: params([{ u: x.size }, { u: 0 }, { u: 0 }, { u: 0 }]),
    inputs: [x],
    outputs: [out],
    count: x.size,
    label: `cast ${x.dtype}->${dtype}`,
  });
  return out;
}
