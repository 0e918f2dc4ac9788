export { GpuDevice, type DeviceOptions, type DispatchSpec, type KernelTiming, type AdapterDescription } from './device.js';
export { Tensor } from './tensor.js';
export { type DType, type FloatDType, BYTES_PER_ELEMENT, toF16Bits, fromF16Bits, roundToF16, isFloat, type HostArray } from './dtype.js';
export { type Shape, numel, shapeStr, sameShape, normAxis } from './shape.js';
export { GpuError, DeviceLostError, SETUP_HINT } from './errors.js';
export { registerKernelSource, preloadKernels, kernelSource, specialize, type Defines } from './kernel-source.js';
export { grid1d, params, ceilDiv } from './ops/grid.js';
export { add, mul, scale } from './ops/elementwise.js';
export * as reference from './reference/index.js';
