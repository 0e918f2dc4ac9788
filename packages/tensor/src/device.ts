/**
 * GpuDevice: the WebGPU device as tensors and ops use it. It composes parts with one job each: adapter
 * negotiation (device-open.ts), liveness (device-life.ts), tensor lifetimes (scope-stack.ts), allocation and
 * upload (allocator.ts, buffer-pool.ts), compiled pipelines (pipeline-cache.ts), the command recorder with its
 * uniform arena and error scopes (command-recorder.ts, uniform-arena.ts) and timestamps (profiler.ts).
 */
import { BufferPool } from './buffer-pool.js';
import { TensorAllocator } from './allocator.js';
import { CommandRecorder } from './command-recorder.js';
import { type AdapterDescription, type DeviceOptions, describeAdapter, openDevice } from './device-open.js';
import { DeviceLife } from './device-life.js';
import type { DType } from './dtype.js';
import type { DeviceHost, DispatchSpec } from './host.js';
import type { Defines } from './kernel-source.js';
import { PipelineCache } from './pipeline-cache.js';
import { type KernelTiming, Profiler } from './profiler.js';
import { ScopeStack } from './scope-stack.js';
import { canSleepWait, waitModeFromEnv, type WaitMode } from './gpu-wait.js';
import { adapterClass } from './tune/adapter.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';

export type { AdapterDescription, DeviceOptions } from './device-open.js';
export type { DispatchSpec } from './host.js';
export type { KernelTiming } from './profiler.js';

/** Counters for tests and benchmarks: work recorded and submitted, pipelines compiled, the buffer pool. */
export interface DeviceStats {
  dispatches: number;
  submits: number;
  pipelines: number;
  pool: ReturnType<BufferPool['stats']>;
  /** Bind groups kept for identical launches (binding-cache.ts), and how many launches found theirs or made one. */
  bindGroups: { cached: number; hits: number; misses: number };
}

export class GpuDevice implements DeviceHost {
  readonly pool: BufferPool;
  readonly hasF16: boolean;
  readonly hasTimestamps: boolean;
  /** The device has the 'subgroups' feature (WGSL `enable subgroups;`). */
  readonly hasSubgroups: boolean;
  /**
   * The adapter's subgroup sizes (GPUAdapterInfo.subgroupMinSize / subgroupMaxSize), or null where the adapter does
   * not say: kernels that share values across a subgroup need their workgroup to be whole subgroups.
   */
  readonly subgroupSizes: { min: number; max: number } | null;
  readonly adapterDescription: AdapterDescription;
  /** How this device waits for its GPU (DeviceOptions.wait). */
  readonly waitMode: WaitMode;

  private readonly life: DeviceLife;
  private readonly scopes = new ScopeStack();
  private readonly allocator: TensorAllocator;
  private readonly recorder: CommandRecorder;
  private readonly pipelines: PipelineCache;
  private readonly profiler: Profiler;

  private constructor(
    readonly device: GPUDevice,
    readonly adapter: GPUAdapter,
    backend: string,
    private keepAlive: GPU,
    opts: DeviceOptions,
  ) {
    this.pool = new BufferPool(device, opts.poolBytes);
    this.hasF16 = device.features.has('shader-f16');
    this.hasTimestamps = device.features.has('timestamp-query');
    this.hasSubgroups = device.features.has('subgroups' as GPUFeatureName);
    const info = (adapter.info ?? {}) as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
    this.subgroupSizes = info.subgroupMinSize && info.subgroupMaxSize ? { min: info.subgroupMinSize, max: info.subgroupMaxSize } : null;
    this.adapterDescription = describeAdapter(adapter, backend);
    this.life = new DeviceLife(device);
    this.recorder = new CommandRecorder(device, this.life, this.pool);
    this.waitMode = opts.wait ?? waitModeFromEnv() ?? (adapterClass(this) === 'software' && canSleepWait() ? 'sleep' : 'spin');
    this.recorder.waitMode = this.waitMode;
    this.pipelines = new PipelineCache(device, () => this.recorder.ensureOpen());
    this.profiler = new Profiler(device, this.recorder);
    this.recorder.profiler = this.profiler;
    this.allocator = new TensorAllocator(this, device, this.life, this.pool);
  }

  static async create(opts: DeviceOptions = {}): Promise<GpuDevice> {
    const { device, adapter, backend, gpu } = await openDevice(opts);
    return new GpuDevice(device, adapter, backend, gpu, opts);
  }

  /** One line naming the adapter, backend and features, for logs and bench reports. */
  describe(): string {
    const a = this.adapterDescription;
    const name = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'unknown adapter';
    const sg = this.hasSubgroups ? `subgroups${this.subgroupSizes ? ' ' + (this.subgroupSizes.min === this.subgroupSizes.max ? this.subgroupSizes.min : `${this.subgroupSizes.min}-${this.subgroupSizes.max}`) : ''}` : null;
    const feats = [this.hasF16 ? 'shader-f16' : null, this.hasTimestamps ? 'timestamp-query' : null, sg].filter(Boolean);
    return `${name} [${a.backend}, ${a.featureLevel}${feats.length ? ', ' + feats.join(', ') : ''}]`;
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /**
   * The largest tensor worth planning a batch around: the storage binding and buffer limits, less the slack the
   * buffer pool's size buckets may add (up to 1/8).
   */
  get maxTensorBytes(): number {
    return Math.floor((Math.min(this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize) * 7) / 8);
  }

  get isLost(): boolean {
    return this.life.isLost;
  }

  /**
   * True inside precompile()'s trace, where launches are noted but never run: code that memoises a computed tensor
   * (an interpolated position embedding, sliced weights) must not keep one made while this is set.
   */
  get tracing(): boolean {
    return this.recorder.tracing;
  }

  /**
   * Create every pipeline `fn`'s launches need before they run: `fn` is traced (its launches noted, not run; the
   * tensors it makes are disposed), then the missing pipelines are created with createComputePipelineAsync all at
   * once, so that the first real forward does not stall on compiles one after another. Drivers that compile at
   * pipeline creation (hardware Vulkan, D3D12, Metal) do that work here, in parallel; lavapipe and SwiftShader JIT a
   * shader at its first dispatch whatever is done here (measured: creating 12 pipelines takes about 60 ms either
   * way), so there this only moves the cheap part. `fn`'s tensors hold garbage: it must not memoise any of them
   * (see `tracing`).
   */
  async precompile(fn: () => unknown): Promise<{ pipelines: number; created: number; ms: number }> {
    const t0 = performance.now();
    const wanted = this.recorder.trace(() => {
      this.scope(() => {
        fn();
      });
    });
    const created = await this.pipelines.compileAll(wanted);
    return { pipelines: wanted.length, created, ms: performance.now() - t0 };
  }

  /** Counters for tests and benchmarks. */
  stats(): DeviceStats {
    const b = this.recorder.bindings;
    return {
      dispatches: this.recorder.dispatches,
      submits: this.recorder.submits,
      pipelines: this.pipelines.size,
      pool: this.pool.stats(),
      bindGroups: { cached: b.size, hits: b.hits, misses: b.misses },
    };
  }

  /** @deprecated read stats().dispatches */
  get dispatchCount(): number {
    return this.recorder.dispatches;
  }

  /** @deprecated read stats().submits */
  get submitCount(): number {
    return this.recorder.submits;
  }

  /** @deprecated read stats().pipelines */
  get pipelineCount(): number {
    return this.pipelines.size;
  }

  // ---------------------------------------------------------------- tensors and lifetime

  /** Called by Tensor's constructor: the tensor joins the innermost open scope. */
  track(t: Tensor): void {
    this.scopes.track(t);
  }

  untrack(t: Tensor): void {
    this.scopes.untrack(t);
  }

  /** Take a tensor out of every open scope so that it outlives them. */
  keep<T extends Tensor>(t: T): T {
    return this.scopes.keep(t);
  }

  /**
   * Run fn; dispose every tensor created inside except those it returns (a tensor, or an array or object of
   * tensors), which move to the enclosing scope.
   */
  scope<R>(fn: () => R): R {
    return this.scopes.run(fn);
  }

  scopeAsync<R>(fn: () => Promise<R>): Promise<R> {
    return this.scopes.runAsync(fn);
  }

  /** Tail of the exclusive() queue. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * Run fn after every earlier exclusive() call on this device has finished: one async GPU job at a time, so that
   * concurrent callers (e.g. several segment() calls on one model) never interleave their scopes. Not re-entrant:
   * fn must not call exclusive() itself.
   */
  exclusive<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** An uninitialised tensor (contents undefined until a kernel writes it). */
  empty(shape: Shape, dtype: DType = 'f32', name = 'tensor'): Tensor {
    return this.allocator.empty(shape, dtype, name);
  }

  /** Upload host data. f16 tensors take f32 values and round them. */
  tensor(data: ArrayLike<number>, shape: Shape, dtype: DType = 'f32', name = 'tensor'): Tensor {
    return this.allocator.tensor(data, shape, dtype, name);
  }

  /** Upload raw little-endian element bytes already in the tensor's dtype. */
  fromBytes(bytes: ArrayBufferView, shape: Shape, dtype: DType, name = 'tensor'): Tensor {
    return this.allocator.fromBytes(bytes, shape, dtype, name);
  }

  zeros(shape: Shape, dtype: DType = 'f32', name = 'zeros'): Tensor {
    const t = this.empty(shape, dtype, name);
    this.commandEncoder().clearBuffer(t.buffer);
    return t;
  }

  releaseBuffer(buf: GPUBuffer): void {
    if (this.life.destroyed) return;
    this.pool.release(buf, this.recorder.isOpen);
  }

  // ---------------------------------------------------------------- kernels

  /** The compiled pipeline for a kernel specialisation; compiled once per (kernel, defines, binding layout). */
  pipeline(kernel: string, defines: Defines, nUniform: number, nIn: number, nOut: number): GPUComputePipeline {
    return this.pipelines.pipeline(kernel, defines, nUniform, nIn, nOut);
  }

  commandEncoder(): GPUCommandEncoder {
    return this.recorder.commandEncoder();
  }

  /** Record one kernel launch into the open command encoder. Nothing runs until a flush or a read. */
  dispatch(spec: DispatchSpec): void {
    const label = spec.label ?? spec.kernel;
    this.life.check(label);
    for (const t of [...spec.inputs, ...spec.outputs]) {
      if (t.device !== this) throw new Error(`${label}: ${t} belongs to another device`);
      void t.buffer; // throws on a disposed tensor
    }
    const outBufs = new Set(spec.outputs.map((t) => t.buffer));
    for (const t of spec.inputs) {
      if (outBufs.has(t.buffer)) throw new Error(`${label}: ${t} is both an input and an output`);
    }
    const [x, y = 1, z = 1] = spec.workgroups;
    const maxWg = this.limits.maxComputeWorkgroupsPerDimension;
    if (x > maxWg || y > maxWg || z > maxWg) throw new Error(`${label}: workgroup grid ${x}x${y}x${z} exceeds ${maxWg} per dimension`);
    if (x === 0 || y === 0 || z === 0) return;
    this.recorder.record(spec, label, this.pipelines);
  }

  /** Submit the open command encoder, if any. */
  flush(): void {
    this.recorder.flush();
  }

  /** Submit and wait for the GPU; throw the first error raised since the last sync, naming its kernel. */
  sync(): Promise<void> {
    return this.recorder.sync();
  }

  /** Copy a buffer back to the host after everything recorded so far has run. */
  readBuffer(src: GPUBuffer, byteLength: number, what: string): Promise<ArrayBuffer> {
    return this.recorder.readBuffer(src, byteLength, what);
  }

  // ---------------------------------------------------------------- profiling

  /** Start recording GPU time per dispatch (timestamp-query). Returns false where the adapter cannot. */
  startProfiling(capacity = 2048): boolean {
    if (!this.hasTimestamps) return false;
    this.profiler.start(capacity);
    return true;
  }

  /** Stop recording and return each profiled dispatch's GPU time in milliseconds. */
  stopProfiling(): Promise<KernelTiming[]> {
    return this.profiler.stop();
  }

  // ---------------------------------------------------------------- teardown

  /** Release the GPU. Afterwards every call fails with DeviceLostError; the Node process can exit. */
  destroy(): void {
    if (this.life.destroyed) return;
    this.life.destroyed = true;
    this.recorder.drop();
    this.pool.trim();
    this.device.destroy();
    void this.keepAlive;
  }
}
