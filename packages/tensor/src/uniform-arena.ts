/**
 * Uniform blocks for the dispatches of one command encoder, packed into shared 64 KiB buffers at the device's
 * offset alignment instead of one buffer per dispatch. Chunks return to the free list when their encoder is
 * submitted (queue writes are ordered before the submit that reads them).
 */
const UNIFORM_CHUNK = 64 * 1024;

export interface UniformSlot {
  buffer: GPUBuffer;
  offset: number;
  size: number;
}

export class UniformArena {
  private free: GPUBuffer[] = [];
  private used: GPUBuffer[] = [];
  private offset = UNIFORM_CHUNK;

  constructor(private readonly device: GPUDevice) {}

  slot(data: ArrayBufferView): UniformSlot {
    const align = this.device.limits.minUniformBufferOffsetAlignment;
    const size = Math.max(16, Math.ceil(data.byteLength / 16) * 16);
    if (size > UNIFORM_CHUNK) throw new Error(`uniforms of ${data.byteLength} bytes are too large`);
    if (this.offset + size > UNIFORM_CHUNK) {
      const chunk =
        this.free.pop() ??
        this.device.createBuffer({ size: UNIFORM_CHUNK, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'uniforms' });
      this.used.push(chunk);
      this.offset = 0;
    }
    const chunk = this.used.at(-1)!;
    const offset = this.offset;
    const bytes = new Uint8Array(size);
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.device.queue.writeBuffer(chunk, offset, bytes);
    this.offset = Math.ceil((offset + size) / align) * align;
    return { buffer: chunk, offset, size };
  }

  /** The encoder that used the chunks was submitted: they may be written again. */
  submitted(): void {
    this.free.push(...this.used);
    this.used = [];
    this.offset = UNIFORM_CHUNK;
  }
}
