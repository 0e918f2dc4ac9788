import { readFileSync } from 'node:fs';

/**
 * Minimal safetensors reading for tests (the library's own reader lives elsewhere): 8-byte little-endian header
 * length, a JSON header { name: { dtype, shape, data_offsets: [begin, end] } } relative to the data that follows.
 * Only F32 tensors can be read; other dtypes are listed but rejected on access.
 */
export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export class SafetensorsLite {
  private readonly bytes: Buffer;
  private readonly header: Record<string, Entry>;
  private readonly dataStart: number;

  constructor(readonly path: string) {
    this.bytes = readFileSync(path);
    const n = Number(this.bytes.readBigUInt64LE(0));
    if (8 + n > this.bytes.length) throw new Error(`${path}: header length ${n} runs past the end of the file (${this.bytes.length} bytes)`);
    const json = JSON.parse(this.bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, Entry>;
    delete json.__metadata__;
    this.header = json;
    this.dataStart = 8 + n;
  }

  names(): string[] {
    return Object.keys(this.header);
  }

  f32(name: string): F32Tensor {
    const e = this.header[name];
    if (!e) throw new Error(`${this.path}: no tensor "${name}"`);
    if (e.dtype !== 'F32') throw new Error(`${this.path}: tensor "${name}" is ${e.dtype}; safetensors-lite reads F32 only`);
    const [begin, end] = e.data_offsets;
    const count = e.shape.reduce((p, d) => p * d, 1);
    if (end - begin !== count * 4) throw new Error(`${this.path}: "${name}" spans ${end - begin} bytes, shape [${e.shape}] F32 needs ${count * 4}`);
    // Copy: the data section need not be 4-byte aligned inside the file buffer.
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(this.bytes.subarray(this.dataStart + begin, this.dataStart + end));
    return { shape: e.shape.slice(), data };
  }
}
