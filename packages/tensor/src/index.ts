/// <reference types="@webgpu/types" preserve="true" />
// WebGPU types (GPUDevice, GPUBuffer, ...) appear in these declarations: the directive above makes them reach
// consumers through this package (its dependency @webgpu/types), with no setup of their own.
export { GpuDevice, type DeviceOptions, type DispatchSpec, type KernelTiming, type AdapterDescription } from './device.js';
export { Tensor } from './tensor.js';
export { type DType, type FloatDType, BYTES_PER_ELEMENT, toF16Bits, fromF16Bits, roundToF16, isFloat, type HostArray } from './dtype.js';
export { type Shape, numel, shapeStr, sameShape, normAxis } from './shape.js';
export { GpuError, DeviceLostError, SETUP_HINT } from './errors.js';
export { registerKernels, registerKernelSource, kernelNames, kernelOwner, kernelSource, specialize, type Defines } from './kernel-source.js';
export { grid1d, params, ceilDiv } from './ops/grid.js';
export { add, mul, scale } from './ops/elementwise.js';
export { gatherRows } from './ops/gather.js';
export { matmul, matmulStrided, setMatmulTile, type MatmulTile, type Activation, type MatmulOptions, type MatmulView, type StridedMatmul } from './ops/matmul.js';
export { softmax } from './ops/softmax.js';
export { attention, type AttentionView, type FusedAttention } from './ops/attention.js';
export { layerNorm } from './ops/layernorm.js';
export { l2Normalize } from './ops/l2normalize.js';
export { argmax, max } from './ops/max.js';
export { patchEmbed } from './ops/patch-embed.js';
export { cast } from './ops/cast.js';
export * as reference from './reference/index.js';
export { permute, transpose } from './ops/permute.js';
export { concat } from './ops/concat.js';
export { slice } from './ops/slice.js';
export { pad2d, type Pads2d } from './ops/pad2d.js';
export { resizeBilinear, resizeBicubic, resizeBicubicTo, type ResizeBicubicOptions } from './ops/resize.js';
