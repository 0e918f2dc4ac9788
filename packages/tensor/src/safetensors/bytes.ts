import { ST_DTYPE_SIZE, SafetensorsError, type StDtype, bf16BitsToF32, f16BitsToF32 } from './dtypes.js';
import { MAX_HEADER_BYTES, parseHeader, type StEntry } from './header.js';

/**
 * A safetensors file held in memory (a fetched ArrayBuffer, a Blob's bytes): the environment-neutral twin of
 * SafetensorsFile (which reads a node:fs file handle). Same header validation; tensor reads are views or copies.
 */
export class SafetensorsBytes {
  private constructor(
    readonly path: string,
    private readonly bytes: Uint8Array,
    readonly metadata: Record<string, string>,
    readonly entries: Map<string, StEntry>,
    private readonly dataStart: number,
  ) {}

  /** `label` names the bytes in error messages (a URL, a file name). */
  static parse(bytes: Uint8Array, label = 'safetensors'): SafetensorsBytes {
    if (bytes.length < 8) throw new SafetensorsError(`${label}: ${bytes.length} bytes, shorter than the 8-byte header length`);
    const headerLen = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    if (headerLen > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(`${label}: header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
    if (headerLen > BigInt(bytes.length - 8)) throw new SafetensorsError(`${label}: header length ${headerLen} exceeds the ${bytes.length - 8} bytes after the length field`);
    const { entries, metadata, dataStart } = parseHeader(bytes.subarray(8, 8 + Number(headerLen)), bytes.length, label);
    return new SafetensorsBytes(label, bytes, metadata, entries, dataStart);
  }

  /** Tensor names in data-offset order. */
  names(): string[] {
    return [...this.entries.values()].sort((a, b) => a.begin - b.begin || a.end - b.end).map((e) => e.name);
  }

  entry(name: string): StEntry {
    const e = this.entries.get(name);
    if (!e) throw new SafetensorsError(`${this.path}: no tensor '${name}' (it has ${this.entries.size} tensors)`);
    return e;
  }

  /** The tensor's bytes in a fresh buffer at offset 0 (typed-array views need alignment the file does not promise). */
  async readRaw(name: string): Promise<Uint8Array> {
    const e = this.entry(name);
    return this.bytes.slice(this.dataStart + e.begin, this.dataStart + e.end);
  }

  /** Float tensors as f32 (integers are not needed by any caller of the in-memory reader). */
  async readFloat32(name: string): Promise<Float32Array> {
    const e = this.entry(name);
    return rawToFloat32(await this.readRaw(name), e.dtype, `${this.path}: tensor '${name}'`);
  }
}

/** Little-endian bytes (offset 0) of a float dtype as f32. */
export function rawToFloat32(raw: Uint8Array, dtype: StDtype, what: string): Float32Array {
  const n = raw.length / ST_DTYPE_SIZE[dtype];
  switch (dtype) {
    case 'F32': return new Float32Array(raw.buffer, raw.byteOffset, n);
    case 'F64': return Float32Array.from(new Float64Array(raw.buffer, raw.byteOffset, n));
    case 'F16': return f16BitsToF32(new Uint16Array(raw.buffer, raw.byteOffset, n));
    case 'BF16': return bf16BitsToF32(new Uint16Array(raw.buffer, raw.byteOffset, n));
    default: throw new SafetensorsError(`${what} is ${dtype}, not a float dtype`);
  }
}
