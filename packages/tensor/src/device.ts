import { BufferPool, bucketSize } from './buffer-pool.js';
import { BYTES_PER_ELEMENT, type DType, toF16Bits } from './dtype.js';
import { DeviceLostError, GpuError } from './errors.js';
import { type AdapterRequest, requestAdapter } from './gpu.js';
import { type Defines, kernelSource, specialize } from './kernel-source.js';
import { type Shape, numel, shapeStr } from './shape.js';
import { Storage, Tensor } from './tensor.js';

export interface DeviceOptions extends AdapterRequest {
  /** Enable shader-f16 when the adapter has it (default true). */
  f16?: boolean;
  /** Bytes of released buffers kept for reuse (default 1 GiB). */
  poolBytes?: number;
}

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  backend: string;
  /** Core WebGPU or the compatibility mode that Dawn's OpenGL ES backend runs in. */
  featureLevel: 'core' | 'compatibility';
}

/** One kernel launch: bindings are group 0 in the order uniforms, inputs (read-only), outputs (read-write). */
export interface DispatchSpec {
  kernel: string;
  defines?: Defines;
  uniforms?: ArrayBufferView;
  inputs: Tensor[];
  outputs: Tensor[];
  workgroups: [number, number?, number?];
  /** Shown in errors and profiles; defaults to the kernel name. */
  label?: string;
}

export interface KernelTiming {
  label: string;
  ms: number;
}

type Entry = { binding: number; visibility: number; buffer: { type: GPUBufferBindingType } };

const UNIFORM_CHUNK = 64 * 1024;

/**
 * A WebGPU device with the caches the tensor library needs: compiled pipelines per (kernel, specialisation),
 * a buffer pool, uniform arenas, and one open command encoder that collects dispatches until something is read.
 */
export class GpuDevice {
  readonly pool: BufferPool;
  readonly hasF16: boolean;
  readonly hasTimestamps: boolean;
  readonly adapterDescription: AdapterDescription;

  private pipelines = new Map<string, GPUComputePipeline>();
  private layouts = new Map<string, { bgl: GPUBindGroupLayout; pl: GPUPipelineLayout }>();
  private encoder: GPUCommandEncoder | null = null;
  private uniformChunks: GPUBuffer[] = [];
  private usedChunks: GPUBuffer[] = [];
  private chunkOffset = UNIFORM_CHUNK;
  private scopes: Set<Tensor>[] = [];
  /** Tail of the exclusive() queue. */
  private queue: Promise<unknown> = Promise.resolve();
  private pendingErrors: Promise<GPUError | null>[] = [];
  private uncaptured: string | null = null;
  private lostInfo: GPUDeviceLostInfo | null = null;
  private destroyed = false;
  private profile: { set: GPUQuerySet; labels: string[]; capacity: number } | null = null;
  /** Dispatches recorded since the device was made (for tests of batching). */
  dispatchCount = 0;
  submitCount = 0;

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
    const info = adapter.info ?? ({} as GPUAdapterInfo);
    const compat = backend === 'dawn-opengles' || !adapter.features.has('core-features-and-limits');
    this.adapterDescription = {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      device: info.device ?? '',
      description: info.description ?? '',
      backend,
      featureLevel: compat ? 'compatibility' : 'core',
    };
    device.lost.then((li) => {
      this.lostInfo = li;
    });
    device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => {
      this.uncaptured ??= ev.error.message;
    };
  }

  static async create(opts: DeviceOptions = {}): Promise<GpuDevice> {
    const { adapter, backend, gpu } = await requestAdapter(opts);
    const want: GPUFeatureName[] = [];
    if (opts.f16 !== false && adapter.features.has('shader-f16')) want.push('shader-f16');
    if (adapter.features.has('timestamp-query')) want.push('timestamp-query');
    const l = adapter.limits;
    // Ask for what the adapter can give on the limits big models hit: binding and buffer sizes, workgroup memory.
    const requiredLimits: Record<string, number> = {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    };
    const device = await adapter.requestDevice({ requiredFeatures: want, requiredLimits, label: 'clearclip' });
    return new GpuDevice(device, adapter, backend, gpu, opts);
  }

  /** One line naming the adapter, backend and features, for logs and bench reports. */
  describe(): string {
    const a = this.adapterDescription;
    const name = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'unknown adapter';
    const feats = [this.hasF16 ? 'shader-f16' : null, this.hasTimestamps ? 'timestamp-query' : null].filter(Boolean);
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
    return this.lostInfo !== null;
  }

  private checkAlive(what: string): void {
    if (this.lostInfo) {
      throw new DeviceLostError(`${what}: the WebGPU device was lost (${this.lostInfo.reason}): ${this.lostInfo.message}`);
    }
    if (this.destroyed) throw new DeviceLostError(`${what}: the device was destroyed`);
  }

  // ---------------------------------------------------------------- tensors and lifetime

  /** Called by Tensor's constructor: the tensor joins the innermost open scope. */
  track(t: Tensor): void {
    this.scopes.at(-1)?.add(t);
  }

  untrack(t: Tensor): void {
    for (const s of this.scopes) s.delete(t);
  }

  /** Take a tensor out of every open scope so that it outlives them. */
  keep<T extends Tensor>(t: T): T {
    this.untrack(t);
    return t;
  }

  /**
   * Run fn; dispose every tensor created inside except those it returns (a tensor, or an array or object of
   * tensors), which move to the enclosing scope.
   */
  scope<R>(fn: () => R): R {
    this.scopes.push(new Set());
    let result: R;
    try {
      result = fn();
    } catch (e) {
      this.closeScope(undefined);
      throw e;
    }
    if (result instanceof Promise) throw new Error('scope(): callback returned a Promise; use scopeAsync()');
    this.closeScope(result);
    return result;
  }

  /**
   * Like scope() for async work. The scope stack is the device's, so two async scopes must not overlap in time
   * (each would adopt the other's tensors): concurrent callers serialise their GPU work with exclusive().
   * An overlap is detected when a scope closes and reported instead of disposing the wrong tensors.
   */
  async scopeAsync<R>(fn: () => Promise<R>): Promise<R> {
    const set = new Set<Tensor>();
    this.scopes.push(set);
    let result: R;
    try {
      result = await fn();
    } catch (e) {
      this.closeScope(undefined, set);
      throw e;
    }
    this.closeScope(result, set);
    return result;
  }

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

  private closeScope(result: unknown, own?: Set<Tensor>): void {
    if (own && this.scopes.at(-1) !== own) {
      const i = this.scopes.lastIndexOf(own);
      if (i >= 0) this.scopes.splice(i, 1);
      for (const t of own) this.scopes.at(-1)?.add(t);
      throw new Error('scopeAsync: another async scope was opened on this device and is still open; overlapping async GPU work must be serialised (GpuDevice.exclusive)');
    }
    const set = this.scopes.pop()!;
    const keep = new Set<Tensor>();
    const collect = (v: unknown, depth: number): void => {
      if (v instanceof Tensor) keep.add(v);
      else if (depth < 3 && Array.isArray(v)) v.forEach((x) => collect(x, depth + 1));
      else if (depth < 3 && v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
        Object.values(v).forEach((x) => collect(x, depth + 1));
    };
    collect(result, 0);
    for (const t of set) if (!keep.has(t)) t.dispose();
    const parent = this.scopes.at(-1);
    if (parent) for (const t of keep) if (set.has(t)) parent.add(t);
  }

  /** An uninitialised tensor (contents undefined until a kernel writes it). */
  empty(shape: Shape, dtype: DType = 'f32', name = 'tensor'): Tensor {
    this.checkAlive(name);
    this.checkDtype(dtype, name);
    const bytes = Math.max(4, Math.ceil((numel(shape) * BYTES_PER_ELEMENT[dtype]) / 4) * 4);
    this.checkSize(bytes, name, shape);
    const buf = this.pool.acquire(bytes, false, name);
    return new Tensor(this, new Storage(this, buf, bytes), shape, dtype, name);
  }

  /** Upload host data. f16 tensors take f32 values and round them. */
  tensor(data: ArrayLike<number>, shape: Shape, dtype: DType = 'f32', name = 'tensor'): Tensor {
    this.checkAlive(name);
    this.checkDtype(dtype, name);
    const n = numel(shape);
    if (data.length !== n) throw new Error(`${name}: ${data.length} values given for shape ${shapeStr(shape)} (${n} elements)`);
    let bytes: ArrayBufferView;
    switch (dtype) {
      case 'f32':
        bytes = data instanceof Float32Array ? data : Float32Array.from(data);
        break;
      case 'f16':
        bytes = toF16Bits(data);
        break;
      case 'i32':
        bytes = data instanceof Int32Array ? data : Int32Array.from(data);
        break;
      case 'u32':
        bytes = data instanceof Uint32Array ? data : Uint32Array.from(data);
        break;
    }
    return this.fromBytes(bytes, shape, dtype, name);
  }

  /** Upload raw little-endian element bytes already in the tensor's dtype. */
  fromBytes(bytes: ArrayBufferView, shape: Shape, dtype: DType, name = 'tensor'): Tensor {
    this.checkAlive(name);
    this.checkDtype(dtype, name);
    const need = numel(shape) * BYTES_PER_ELEMENT[dtype];
    if (bytes.byteLength !== need) throw new Error(`${name}: ${bytes.byteLength} bytes given, ${shapeStr(shape)} ${dtype} needs ${need}`);
    const padded = Math.max(4, Math.ceil(need / 4) * 4);
    this.checkSize(padded, name, shape);
    const buf = this.pool.acquire(padded, true, name);
    if (need > 0) {
      const u8 = new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
      if (need % 4 === 0) this.device.queue.writeBuffer(buf, 0, u8);
      else {
        const tmp = new Uint8Array(padded);
        tmp.set(u8);
        this.device.queue.writeBuffer(buf, 0, tmp);
      }
    }
    return new Tensor(this, new Storage(this, buf, padded), shape, dtype, name);
  }

  zeros(shape: Shape, dtype: DType = 'f32', name = 'zeros'): Tensor {
    const t = this.empty(shape, dtype, name);
    this.commandEncoder().clearBuffer(t.buffer);
    return t;
  }

  private checkDtype(dtype: DType, what: string): void {
    if (!(dtype in BYTES_PER_ELEMENT)) throw new Error(`${what}: unknown dtype "${dtype}"`);
    if (dtype === 'f16' && !this.hasF16) throw new Error(`${what}: dtype f16 needs the shader-f16 feature, which ${this.describe()} lacks`);
  }

  private checkSize(bytes: number, what: string, shape: Shape): void {
    const max = Math.min(this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize);
    if (bucketSize(bytes) > max) {
      throw new Error(`${what}: shape ${shapeStr(shape)} needs ${bytes} bytes, above this device's storage binding limit of ${max}`);
    }
  }

  releaseBuffer(buf: GPUBuffer): void {
    if (this.destroyed) return;
    this.pool.release(buf, this.encoder !== null);
  }

  // ---------------------------------------------------------------- kernels

  private layout(nUniform: number, nIn: number, nOut: number): { bgl: GPUBindGroupLayout; pl: GPUPipelineLayout } {
    const key = `${nUniform}/${nIn}/${nOut}`;
    let l = this.layouts.get(key);
    if (!l) {
      const entries: Entry[] = [];
      let b = 0;
      for (let i = 0; i < nUniform; i++) entries.push({ binding: b++, visibility: 4, buffer: { type: 'uniform' } });
      for (let i = 0; i < nIn; i++) entries.push({ binding: b++, visibility: 4, buffer: { type: 'read-only-storage' } });
      for (let i = 0; i < nOut; i++) entries.push({ binding: b++, visibility: 4, buffer: { type: 'storage' } });
      const bgl = this.device.createBindGroupLayout({ entries, label: key });
      l = { bgl, pl: this.device.createPipelineLayout({ bindGroupLayouts: [bgl] }) };
      this.layouts.set(key, l);
    }
    return l;
  }

  /** The compiled pipeline for a kernel specialisation; compiled once per (kernel, defines, binding layout). */
  pipeline(kernel: string, defines: Defines, nUniform: number, nIn: number, nOut: number): GPUComputePipeline {
    const dkey = Object.keys(defines)
      .sort()
      .map((k) => `${k}=${defines[k]}`)
      .join(',');
    const key = `${kernel}|${dkey}|${nUniform}/${nIn}/${nOut}`;
    let p = this.pipelines.get(key);
    if (!p) {
      const code = specialize(kernel, kernelSource(kernel), defines);
      const label = dkey ? `${kernel}(${dkey})` : kernel;
      this.ensureEncoderScopes();
      const module = this.device.createShaderModule({ code, label });
      p = this.device.createComputePipeline({ layout: this.layout(nUniform, nIn, nOut).pl, compute: { module, entryPoint: 'main' }, label });
      this.pipelines.set(key, p);
    }
    return p;
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  private ensureEncoderScopes(): void {
    if (!this.encoder) {
      this.encoder = this.device.createCommandEncoder({ label: 'clearclip' });
      // Everything from here to the submit is checked; errors come back at the next sync point.
      this.device.pushErrorScope('validation');
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('internal');
    }
  }

  commandEncoder(): GPUCommandEncoder {
    this.checkAlive('encode');
    this.ensureEncoderScopes();
    return this.encoder!;
  }

  private uniformSlot(data: ArrayBufferView): { buffer: GPUBuffer; offset: number; size: number } {
    const align = this.limits.minUniformBufferOffsetAlignment;
    const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
    if (size > UNIFORM_CHUNK) throw new Error(`uniforms of ${data.byteLength} bytes are too large`);
    if (this.chunkOffset + size > UNIFORM_CHUNK) {
      const chunk =
        this.uniformChunks.pop() ??
        this.device.createBuffer({ size: UNIFORM_CHUNK, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'uniforms' });
      this.usedChunks.push(chunk);
      this.chunkOffset = 0;
    }
    const chunk = this.usedChunks.at(-1)!;
    const offset = this.chunkOffset;
    const bytes = new Uint8Array(size);
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.device.queue.writeBuffer(chunk, offset, bytes);
    this.chunkOffset = Math.ceil((offset + size) / align) * align;
    return { buffer: chunk, offset, size };
  }

  /** Record one kernel launch into the open command encoder. Nothing runs until a flush or a read. */
  dispatch(spec: DispatchSpec): void {
    const label = spec.label ?? spec.kernel;
    this.checkAlive(label);
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
    const nU = spec.uniforms ? 1 : 0;
    const pipeline = this.pipeline(spec.kernel, spec.defines ?? {}, nU, spec.inputs.length, spec.outputs.length);
    const enc = this.commandEncoder();
    const entries: GPUBindGroupEntry[] = [];
    let b = 0;
    if (spec.uniforms) {
      const u = this.uniformSlot(spec.uniforms);
      entries.push({ binding: b++, resource: { buffer: u.buffer, offset: u.offset, size: u.size } });
    }
    for (const t of [...spec.inputs, ...spec.outputs]) entries.push({ binding: b++, resource: { buffer: t.buffer } });
    const bindGroup = this.device.createBindGroup({ layout: this.layout(nU, spec.inputs.length, spec.outputs.length).bgl, entries, label });
    const desc: GPUComputePassDescriptor = { label };
    if (this.profile && this.profile.labels.length < this.profile.capacity) {
      const i = this.profile.labels.length;
      this.profile.labels.push(label);
      desc.timestampWrites = { querySet: this.profile.set, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
    }
    const pass = enc.beginComputePass(desc);
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
    this.dispatchCount++;
  }

  /** Submit the open command encoder, if any. */
  flush(): void {
    if (!this.encoder) return;
    this.checkAlive('submit');
    const enc = this.encoder;
    this.encoder = null;
    this.device.queue.submit([enc.finish()]);
    this.submitCount++;
    this.pendingErrors.push(this.device.popErrorScope(), this.device.popErrorScope(), this.device.popErrorScope());
    this.pool.submitted();
    this.uniformChunks.push(...this.usedChunks);
    this.usedChunks = [];
    this.chunkOffset = UNIFORM_CHUNK;
  }

  /** Submit and wait for the GPU; throw the first error raised since the last sync, naming its kernel. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.throwPendingErrors();
  }

  private async throwPendingErrors(): Promise<void> {
    const errs = await Promise.all(this.pendingErrors);
    this.pendingErrors = [];
    const first = errs.find((e) => e !== null);
    const msg = first?.message ?? this.uncaptured;
    this.uncaptured = null;
    if (this.lostInfo) this.checkAlive('sync');
    if (msg) throw new GpuError(`WebGPU error: ${msg}`);
  }

  /** Copy a buffer back to the host after everything recorded so far has run. */
  async readBuffer(src: GPUBuffer, byteLength: number, what: string): Promise<ArrayBuffer> {
    this.checkAlive(`read ${what}`);
    if (byteLength === 0) {
      await this.sync();
      return new ArrayBuffer(0);
    }
    const size = Math.ceil(byteLength / 4) * 4;
    const staging = this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: `read ${what}` });
    this.commandEncoder().copyBufferToBuffer(src, 0, staging, 0, size);
    this.flush();
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (e) {
      await this.throwPendingErrors();
      this.checkAlive(`read ${what}`);
      throw new GpuError(`read ${what}: ${(e as Error).message}`);
    }
    const out = staging.getMappedRange(0, size).slice(0, byteLength);
    staging.unmap();
    staging.destroy();
    await this.throwPendingErrors();
    return out;
  }

  // ---------------------------------------------------------------- profiling

  /** Start recording GPU time per dispatch (timestamp-query). Returns false where the adapter cannot. */
  startProfiling(capacity = 2048): boolean {
    // WebGPU caps a query set at 4096 queries: two per dispatch.
    capacity = Math.min(capacity, 2048);
    if (!this.hasTimestamps) return false;
    this.flush();
    this.profile?.set.destroy();
    this.profile = { set: this.device.createQuerySet({ type: 'timestamp', count: 2 * capacity }), labels: [], capacity };
    return true;
  }

  /** Stop recording and return each profiled dispatch's GPU time in milliseconds. */
  async stopProfiling(): Promise<KernelTiming[]> {
    const p = this.profile;
    if (!p) return [];
    this.profile = null;
    const n = p.labels.length;
    if (n === 0) {
      p.set.destroy();
      return [];
    }
    const bytes = 16 * n;
    const resolve = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const staging = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = this.commandEncoder();
    enc.resolveQuerySet(p.set, 0, 2 * n, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, staging, 0, bytes);
    this.flush();
    await staging.mapAsync(GPUMapMode.READ);
    const ts = new BigUint64Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    resolve.destroy();
    p.set.destroy();
    await this.throwPendingErrors();
    return p.labels.map((label, i) => ({ label, ms: Number(ts[2 * i + 1] - ts[2 * i]) / 1e6 }));
  }

  // ---------------------------------------------------------------- teardown

  /** Release the GPU. Afterwards every call fails with DeviceLostError; the Node process can exit. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.encoder = null;
    this.pool.trim();
    this.device.destroy();
    void this.keepAlive;
  }
}
