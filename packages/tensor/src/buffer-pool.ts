/**
 * Size-keyed pool of storage buffers. Sizes round up to 1/8 of their power of two so that tensors of nearly the same
 * size share buckets. A buffer released while the open command encoder may still read it is parked until that
 * encoder is submitted: kernels recorded later in the same encoder may reuse it (dispatches are ordered), but a
 * queue.writeBuffer upload may not, since it would land before the encoder runs.
 */
import { BufferUsage } from './gpu-flags.js';

export const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

export function bucketSize(bytes: number): number {
  if (bytes <= 256) return 256;
  const p = 2 ** Math.floor(Math.log2(bytes));
  const step = Math.max(256, p / 8);
  return Math.ceil(bytes / step) * step;
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private parked: GPUBuffer[] = [];
  /** Creation order of each buffer (takeOldest). */
  private serial = new WeakMap<GPUBuffer, number>();
  private freeBytes = 0;
  /** Bytes in live buffers handed out and not yet released. */
  liveBytes = 0;
  created = 0;
  reused = 0;

  /** Told before a pooled buffer is destroyed (the binding cache drops bind groups that hold it). */
  onDestroy: ((buf: GPUBuffer) => void) | null = null;

  constructor(
    private device: GPUDevice,
    private maxFreeBytes = 1 << 30,
  ) {}

  acquire(bytes: number, forUpload: boolean, label: string): GPUBuffer {
    const size = bucketSize(bytes);
    let buf = this.takeOldest(this.free.get(size));
    if (buf) {
      this.freeBytes -= size;
    } else if (!forUpload) {
      const i = this.parked.findIndex((b) => b.size === size);
      if (i >= 0) buf = this.parked.splice(i, 1)[0];
    }
    if (buf) {
      this.reused++;
    } else {
      buf = this.device.createBuffer({ size, usage: STORAGE_USAGE, label });
      this.serial.set(buf, this.created);
      this.created++;
    }
    this.liveBytes += size;
    return buf;
  }

  /**
   * The free buffer of a bucket that was created first. Which buffers are free depends on what was released, not in
   * which order, so a forward repeated from the same pool state gets the same buffer for each tensor again, and its
   * launches find their bind groups (binding-cache.ts); taking the last released one instead cycled assignments.
   */
  private takeOldest(list: GPUBuffer[] | undefined): GPUBuffer | undefined {
    if (!list?.length) return undefined;
    let best = 0;
    for (let i = 1; i < list.length; i++) if (this.serial.get(list[i])! < this.serial.get(list[best])!) best = i;
    const [buf] = list.splice(best, 1);
    return buf;
  }

  release(buf: GPUBuffer, encoderOpen: boolean): void {
    this.liveBytes -= buf.size;
    if (encoderOpen) {
      this.parked.push(buf);
      return;
    }
    this.toFree(buf);
  }

  /** The encoder that might read parked buffers has been submitted: uploads may use them now. */
  submitted(): void {
    for (const b of this.parked) this.toFree(b);
    this.parked = [];
  }

  private toFree(buf: GPUBuffer): void {
    if (this.freeBytes + buf.size > this.maxFreeBytes) {
      this.onDestroy?.(buf);
      buf.destroy();
      return;
    }
    let list = this.free.get(buf.size);
    if (!list) this.free.set(buf.size, (list = []));
    list.push(buf);
    this.freeBytes += buf.size;
  }

  /** Destroy every pooled buffer that is not in use. */
  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.onDestroy?.(b);
        b.destroy();
      }
    }
    this.free.clear();
    this.freeBytes = 0;
  }

  stats(): { liveBytes: number; freeBytes: number; created: number; reused: number } {
    return { liveBytes: this.liveBytes, freeBytes: this.freeBytes, created: this.created, reused: this.reused };
  }
}
