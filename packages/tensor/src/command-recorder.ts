/**
 * One open command encoder that collects kernel launches until something must run (a read, a sync, a profile),
 * the error scopes around it, and the errors they report: a WebGPU error surfaces at the next sync point as a
 * GpuError, rather than as a console line far from its cause.
 */
import type { BufferPool } from './buffer-pool.js';
import type { DeviceLife } from './device-life.js';
import { GpuError } from './errors.js';
import { BufferUsage, MapMode } from './gpu-flags.js';
import type { DispatchSpec } from './host.js';
import type { PipelineCache, PipelineRequest } from './pipeline-cache.js';
import type { Profiler } from './profiler.js';
import { UniformArena } from './uniform-arena.js';
import { BindingCache } from './binding-cache.js';
import { settle, type WaitMode } from './gpu-wait.js';

export class CommandRecorder {
  private encoder: GPUCommandEncoder | null = null;
  private pendingErrors: Promise<GPUError | null>[] = [];
  private uncaptured: string | null = null;
  private readonly uniforms: UniformArena;
  /** Bind groups and uniform blocks of earlier launches, reused by identical ones (binding-cache.ts). */
  readonly bindings: BindingCache;
  /** Set after construction: the profiler needs the recorder too. */
  profiler: Profiler | null = null;
  /** How sync and reads wait for the GPU (gpu-wait.ts); the device sets it from its adapter class. */
  waitMode: WaitMode = 'spin';
  dispatches = 0;
  submits = 0;
  /** While trace() runs: the pipelines launches asked for (nothing is encoded or submitted). */
  private traced: Map<string, PipelineRequest> | null = null;
  private traceEncoder: GPUCommandEncoder | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly life: DeviceLife,
    private readonly pool: BufferPool,
  ) {
    this.uniforms = new UniformArena(device);
    this.bindings = new BindingCache(device);
    pool.onDestroy = (buf) => this.bindings.forget(buf);
    device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => {
      this.uncaptured ??= ev.error.message;
    };
  }

  /** Inside trace(): launches are noted, not run. */
  get tracing(): boolean {
    return this.traced !== null;
  }

  get isOpen(): boolean {
    return this.encoder !== null;
  }

  /** Open the encoder and its error scopes if none is open (also before compiling, so compile errors are caught). */
  ensureOpen(): void {
    if (!this.encoder) {
      this.encoder = this.device.createCommandEncoder({ label: 'clearclip' });
      // Everything from here to the submit is checked; errors come back at the next sync point.
      this.device.pushErrorScope('validation');
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('internal');
    }
  }

  commandEncoder(): GPUCommandEncoder {
    this.life.check('encode');
    // A trace encodes copies and clears into an encoder that is dropped, never submitted.
    if (this.traced) return (this.traceEncoder ??= this.device.createCommandEncoder({ label: 'clearclip trace (never submitted)' }));
    this.ensureOpen();
    return this.encoder!;
  }

  /** Record one launch whose tensors the caller has checked. */
  record(spec: DispatchSpec, label: string, pipelines: PipelineCache): void {
    const [x, y = 1, z = 1] = spec.workgroups;
    const nU = spec.uniforms ? 1 : 0;
    if (this.traced) {
      const r = pipelines.request(spec.kernel, spec.defines ?? {}, nU, spec.inputs.length, spec.outputs.length, spec.descriptor);
      this.traced.set(r.key, r);
      return;
    }
    const pipeline = pipelines.pipeline(spec.kernel, spec.defines ?? {}, nU, spec.inputs.length, spec.outputs.length, spec.descriptor);
    const enc = this.commandEncoder();
    const layout = pipelines.layout(nU, spec.inputs.length, spec.outputs.length);
    const buffers = [...spec.inputs, ...spec.outputs].map((t) => t.buffer);
    const cached = spec.uniforms ? this.bindings.uniform(spec.uniforms) : null;
    let bindGroup: GPUBindGroup;
    if (spec.uniforms && !cached) {
      // The uniform cache is full: this launch's block goes to the per-encoder arena, its bind group is not kept.
      bindGroup = this.bindings.create(layout.bgl, this.uniforms.slot(spec.uniforms), buffers, label);
    } else {
      bindGroup = this.bindings.bindGroup(`${nU}/${spec.inputs.length}/${spec.outputs.length}`, layout.bgl, cached, buffers, label);
    }
    const desc: GPUComputePassDescriptor = { label };
    const timestampWrites = this.profiler?.passTimestamps(label);
    if (timestampWrites) desc.timestampWrites = timestampWrites;
    const pass = enc.beginComputePass(desc);
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
    this.dispatches++;
  }

  /**
   * Run `fn` with launches only noted, not encoded: which pipelines would it need? Tensors it makes are real
   * (allocated, never written by a kernel); copies and clears go to an encoder that is dropped.
   */
  trace(fn: () => void): PipelineRequest[] {
    if (this.traced) throw new Error('trace: already tracing');
    this.traced = new Map();
    try {
      fn();
      return [...this.traced.values()];
    } finally {
      this.traced = null;
      this.traceEncoder = null;
    }
  }

  /** Submit the open command encoder, if any. */
  flush(): void {
    if (!this.encoder) return;
    this.life.check('submit');
    const enc = this.encoder;
    this.encoder = null;
    this.device.queue.submit([enc.finish()]);
    this.submits++;
    this.pendingErrors.push(this.device.popErrorScope(), this.device.popErrorScope(), this.device.popErrorScope());
    this.pool.submitted();
    this.uniforms.submitted();
  }

  /** Forget the open encoder without submitting (teardown). */
  drop(): void {
    this.encoder = null;
  }

  /** Submit and wait for the GPU; throw the first error raised since the last sync, naming its kernel. */
  async sync(): Promise<void> {
    this.flush();
    await settle(this.device.queue.onSubmittedWorkDone(), this.waitMode);
    await this.throwPendingErrors();
  }

  async throwPendingErrors(): Promise<void> {
    const errs = await Promise.all(this.pendingErrors);
    this.pendingErrors = [];
    const first = errs.find((e) => e !== null);
    const msg = first?.message ?? this.uncaptured;
    this.uncaptured = null;
    if (this.life.lostInfo) this.life.check('sync');
    if (msg) throw new GpuError(`WebGPU error: ${msg}`);
  }

  /** Copy a buffer back to the host after everything recorded so far has run. */
  async readBuffer(src: GPUBuffer, byteLength: number, what: string): Promise<ArrayBuffer> {
    this.life.check(`read ${what}`);
    if (byteLength === 0) {
      await this.sync();
      return new ArrayBuffer(0);
    }
    const size = Math.ceil(byteLength / 4) * 4;
    const staging = this.device.createBuffer({ size, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST, label: `read ${what}` });
    this.commandEncoder().copyBufferToBuffer(src, 0, staging, 0, size);
    this.flush();
    try {
      await settle(staging.mapAsync(MapMode.READ), this.waitMode);
    } catch (e) {
      await this.throwPendingErrors();
      this.life.check(`read ${what}`);
      throw new GpuError(`read ${what}: ${(e as Error).message}`);
    }
    const out = staging.getMappedRange(0, size).slice(0, byteLength);
    staging.unmap();
    staging.destroy();
    await this.throwPendingErrors();
    return out;
  }
}
