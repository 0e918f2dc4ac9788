/**
 * The narrow interfaces between tensors, ops and the device that runs them. Tensor and the ops depend on these,
 * not on GpuDevice (which implements them), so tensor.ts and device.ts do not import each other.
 */
import type { DType } from './dtype.js';
import type { Defines } from './kernel-source.js';
import type { KernelDescriptor } from './kernel-descriptor.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';

export type Workgroups = [number, number?, number?];

/** One kernel launch: bindings are group 0 in the order uniforms, inputs (read-only), outputs (read-write). */
export interface DispatchSpec {
  kernel: string;
  /** The descriptor that builds the program (constants, entry point); without one, the kernel's source as registered. */
  descriptor?: KernelDescriptor;
  defines?: Defines;
  uniforms?: ArrayBufferView;
  inputs: Tensor[];
  outputs: Tensor[];
  workgroups: Workgroups;
  /** Shown in errors and profiles; defaults to the kernel name. */
  label?: string;
}

/** What a Tensor needs from the device that holds its buffer: scope bookkeeping, buffer release, readback. */
export interface TensorHost {
  track(t: Tensor): void;
  untrack(t: Tensor): void;
  releaseBuffer(buf: GPUBuffer): void;
  readBuffer(src: GPUBuffer, byteLength: number, what: string): Promise<ArrayBuffer>;
}

/** Where kernel launches are recorded. */
export interface DispatchHost {
  dispatch(spec: DispatchSpec): void;
}

/**
 * A tensor's device as ops and models see it (`x.device`): make tensors, launch kernels, scope lifetimes, and the
 * device facts ops choose by. GpuDevice is the implementation.
 */
export interface DeviceHost extends TensorHost, DispatchHost {
  readonly hasF16: boolean;
  readonly limits: GPUSupportedLimits;
  readonly maxTensorBytes: number;
  /** Launches are being traced, not run (GpuDevice.precompile): computed tensors must not be memoised. */
  readonly tracing?: boolean;
  describe(): string;
  empty(shape: Shape, dtype?: DType, name?: string): Tensor;
  tensor(data: ArrayLike<number>, shape: Shape, dtype?: DType, name?: string): Tensor;
  fromBytes(bytes: ArrayBufferView, shape: Shape, dtype: DType, name?: string): Tensor;
  zeros(shape: Shape, dtype?: DType, name?: string): Tensor;
  keep<T extends Tensor>(t: T): T;
  scope<R>(fn: () => R): R;
  scopeAsync<R>(fn: () => Promise<R>): Promise<R>;
}
