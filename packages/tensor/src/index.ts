/// <reference types="@webgpu/types" preserve="true" />
// WebGPU types (GPUDevice, GPUBuffer, ...) appear in these declarations: the directive above makes them reach
// consumers through this package (its dependency @webgpu/types), with no setup of their own.
export { GpuDevice, type DeviceOptions, type DispatchSpec, type KernelTiming, type AdapterDescription, type DeviceStats } from './device.js';
export type { DeviceHost, TensorHost, DispatchHost, Workgroups } from './host.js';
export { Tensor } from './tensor.js';
export { type DType, type FloatDType, BYTES_PER_ELEMENT, toF16Bits, fromF16Bits, roundToF16, isFloat, type HostArray } from './dtype.js';
export { f32ToF16Bits, f16BitsToF32, bf16BitsToF32 } from './f16.js';
export { type Shape, numel, shapeStr, sameShape, normAxis } from './shape.js';
export { GpuError, DeviceLostError, SETUP_HINT } from './errors.js';
export { settle, canSleepWait, waitModeFromEnv, type WaitMode } from './gpu-wait.js';
export { swiftShaderIcd, type AdapterRequest } from './gpu.js';
export { registerKernels, registerKernelSource, registerSnippets, snippetSource, expandIncludes, kernelNames, kernelOwner, kernelSource, specialize, type Defines } from './kernel-source.js';
export { defineKernel, kernelDescriptors, kernelDescriptor, KernelDescriptor, type KernelDescriptorInit, type KernelLaunch, type GridRule } from './kernel-descriptor.js';
export { grid1d, params, ceilDiv } from './ops/grid.js';
export { add } from './ops/elementwise.js';
export { gatherRows } from './ops/gather.js';
export { matmul, matmulStrided, type Activation, type MatmulOptions, type MatmulView, type StridedMatmul, type RowLayerNorm } from './ops/matmul.js';
export { softmax } from './ops/softmax.js';
export { attention, type AttentionView, type FusedAttention, type AttentionVariant } from './ops/attention.js';
export { layerNorm } from './ops/layernorm.js';
export { l2Normalize } from './ops/l2normalize.js';
export { patchEmbed } from './ops/patch-embed.js';
export { cast } from './ops/cast.js';
export { permute } from './ops/permute.js';
export { concat } from './ops/concat.js';
export { slice } from './ops/slice.js';
export { resizeBilinear, resizeBicubic, type ResizeBicubicOptions } from './ops/resize.js';
export { MATMUL_VARIANTS, TILED_CONFIGS, matmulVariant, type MatmulVariant, type MatmulProblem, type TiledConfig } from './ops/matmul-variants.js';
export { SUBGROUP_CONFIGS, subgroupVariant, type SubgroupConfig } from './ops/matmul-subgroup.js';
export { tuneMatmul, loadTunedChoices, matmulKernelHash, rowKernelHash, familyKernelHash, timeLaunches, confirmGain, CONFIRM_ROUNDS, kernelHash, MIN_GAIN, type MatmulTuneShape, type TuneOptions, type TuneResult } from './tune/tuner.js';
export { selectMatmulVariant } from './tune/select.js';
export { heuristicMatmulVariant } from './tune/heuristics.js';
export { adapterFingerprint, adapterClass, hostAdapterClass, type AdapterClass } from './tune/adapter.js';
export { matmulShapeKey } from './tune/shape-key.js';
export { clearTunedChoices, tuningEnabled } from './tune/choices.js';
export { memoryTuneStore, type TuneStore, type TuneFile, type TunedEntry, type TunedCandidate } from './tune/store.js';
export { heuristicRowVariant, rowShapeKey, selectRowVariant, ROW_THRESHOLDS, ROW_VARIANTS, type RowOp, type RowVariant } from './tune/rows.js';
export { tuneRowKernels, type RowTuneShape } from './tune/rows-tuner.js';
