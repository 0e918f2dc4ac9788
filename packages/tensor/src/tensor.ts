import type { DeviceHost, TensorHost } from './host.js';
import { BYTES_PER_ELEMENT, type DType, type HostArray, fromF16Bits } from './dtype.js';
import { type Shape, numel, shapeStr, assertShape } from './shape.js';

/** Reference-counted GPU storage shared by a tensor and its reshaped views. */
export class Storage {
  refs = 1;
  constructor(
    readonly host: TensorHost,
    readonly buffer: GPUBuffer,
    readonly byteLength: number,
  ) {}
  release(): void {
    if (--this.refs === 0) this.host.releaseBuffer(this.buffer);
  }
}

/**
 * A dense, row-major tensor living in a GPU buffer. Its lifetime is explicit: `dispose()` it, or create it inside
 * `device.scope()`, which disposes everything made inside except what the callback returns.
 */
export class Tensor {
  readonly size: number;
  private disposed = false;

  constructor(
    readonly device: DeviceHost,
    private readonly storage: Storage,
    readonly shape: Shape,
    readonly dtype: DType,
    readonly name = 'tensor',
  ) {
    assertShape(shape, name);
    this.size = numel(shape);
    device.track(this);
  }

  get buffer(): GPUBuffer {
    if (this.disposed) throw new Error(`${this.name}: tensor used after dispose()`);
    return this.storage.buffer;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  get rank(): number {
    return this.shape.length;
  }

  get byteLength(): number {
    return this.size * BYTES_PER_ELEMENT[this.dtype];
  }

  toString(): string {
    return `Tensor(${this.name}, ${shapeStr(this.shape)}, ${this.dtype})`;
  }

  /** Same data, another shape (no copy). -1 infers one dimension. */
  reshape(shape: number[]): Tensor {
    const known = shape.filter((d) => d !== -1);
    const k = numel(known);
    const s = shape.slice();
    const inf = s.indexOf(-1);
    if (inf >= 0) {
      if (k === 0 || this.size % k !== 0) throw new Error(`reshape ${this}: cannot infer -1 in ${shapeStr(shape)}`);
      s[inf] = this.size / k;
    }
    if (numel(s) !== this.size) throw new Error(`reshape ${this}: ${shapeStr(shape)} has ${numel(s)} elements, not ${this.size}`);
    void this.buffer; // throws if disposed
    this.storage.refs++;
    return new Tensor(this.device, this.storage, s, this.dtype, this.name);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.device.untrack(this);
    this.storage.release();
  }

  /** Read back: Float32Array for f32 and f16 (f16 widened), Int32Array / Uint32Array for integers. */
  async read(): Promise<HostArray> {
    const bytes = await this.device.readBuffer(this.buffer, this.byteLength, this.name);
    switch (this.dtype) {
      case 'f32':
        return new Float32Array(bytes);
      case 'f16':
        return fromF16Bits(new Uint16Array(bytes));
      case 'i32':
        return new Int32Array(bytes);
      case 'u32':
        return new Uint32Array(bytes);
    }
  }

  async readFloat(): Promise<Float32Array> {
    const a = await this.read();
    return a instanceof Float32Array ? a : Float32Array.from(a);
  }
}
