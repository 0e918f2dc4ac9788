/**
 * GPU time per dispatch through timestamp queries: each profiled compute pass writes a begin and an end stamp;
 * stop() resolves them and returns milliseconds per label.
 */
import { settle, type WaitMode } from './gpu-wait.js';
import { BufferUsage, MapMode } from './gpu-flags.js';

export interface KernelTiming {
  label: string;
  ms: number;
}

/** What the profiler needs from the command recorder: the open encoder, a submit, and the errors since. */
export interface ProfilerRecorder {
  commandEncoder(): GPUCommandEncoder;
  flush(): void;
  throwPendingErrors(): Promise<void>;
  readonly waitMode: WaitMode;
}

export class Profiler {
  private active: { set: GPUQuerySet; labels: string[]; capacity: number } | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly recorder: ProfilerRecorder,
  ) {}

  start(capacity: number): void {
    // WebGPU caps a query set at 4096 queries: two per dispatch.
    capacity = Math.min(capacity, 2048);
    this.recorder.flush();
    this.active?.set.destroy();
    this.active = { set: this.device.createQuerySet({ type: 'timestamp', count: 2 * capacity }), labels: [], capacity };
  }

  /** Timestamp writes for the next compute pass, or undefined when not profiling or full. */
  passTimestamps(label: string): GPUComputePassTimestampWrites | undefined {
    const p = this.active;
    if (!p || p.labels.length >= p.capacity) return undefined;
    const i = p.labels.length;
    p.labels.push(label);
    return { querySet: p.set, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  async stop(): Promise<KernelTiming[]> {
    const p = this.active;
    if (!p) return [];
    this.active = null;
    const n = p.labels.length;
    if (n === 0) {
      p.set.destroy();
      return [];
    }
    const bytes = 16 * n;
    const resolve = this.device.createBuffer({ size: bytes, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
    const staging = this.device.createBuffer({ size: bytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    const enc = this.recorder.commandEncoder();
    enc.resolveQuerySet(p.set, 0, 2 * n, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, staging, 0, bytes);
    this.recorder.flush();
    await settle(staging.mapAsync(MapMode.READ), this.recorder.waitMode);
    const ts = new BigUint64Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    resolve.destroy();
    p.set.destroy();
    await this.recorder.throwPendingErrors();
    return p.labels.map((label, i) => ({ label, ms: Number(ts[2 * i + 1] - ts[2 * i]) / 1e6 }));
  }
}
