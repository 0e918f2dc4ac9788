/**
 * Making tensors: checks of dtype and size against the device, a pooled buffer, and the upload of host data
 * (f16 tensors take f32 values and round them).
 */
import { type BufferPool, bucketSize } from './buffer-pool.js';
import type { DeviceLife } from './device-life.js';
import { BYTES_PER_ELEMENT, type DType, toF16Bits } from './dtype.js';
import type { DeviceHost } from './host.js';
import { type Shape, numel, shapeStr } from './shape.js';
import { Storage, Tensor } from './tensor.js';

export class TensorAllocator {
  constructor(
    private readonly host: DeviceHost,
    private readonly device: GPUDevice,
    private readonly life: DeviceLife,
    private readonly pool: BufferPool,
  ) {}

  /** An uninitialised tensor (contents undefined until a kernel writes it). */
  empty(shape: Shape, dtype: DType, name: string): Tensor {
    this.life.check(name);
    this.checkDtype(dtype, name);
    const bytes = Math.max(4, Math.ceil((numel(shape) * BYTES_PER_ELEMENT[dtype]) / 4) * 4);
    this.checkSize(bytes, name, shape);
    const buf = this.pool.acquire(bytes, false, name);
    return new Tensor(this.host, new Storage(this.host, buf, bytes), shape, dtype, name);
  }

  /** Upload host data. f16 tensors take f32 values and round them. */
  tensor(data: ArrayLike<number>, shape: Shape, dtype: DType, name: string): Tensor {
    this.life.check(name);
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
  fromBytes(bytes: ArrayBufferView, shape: Shape, dtype: DType, name: string): Tensor {
    this.life.check(name);
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
    return new Tensor(this.host, new Storage(this.host, buf, padded), shape, dtype, name);
  }

  private checkDtype(dtype: DType, what: string): void {
    if (!(dtype in BYTES_PER_ELEMENT)) throw new Error(`${what}: unknown dtype "${dtype}"`);
    if (dtype === 'f16' && !this.host.hasF16) throw new Error(`${what}: dtype f16 needs the shader-f16 feature, which ${this.host.describe()} lacks`);
  }

  private checkSize(bytes: number, what: string, shape: Shape): void {
    const max = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
    if (bucketSize(bytes) > max) {
      throw new Error(`${what}: shape ${shapeStr(shape)} needs ${bytes} bytes, above this device's storage binding limit of ${max}`);
    }
  }
}
