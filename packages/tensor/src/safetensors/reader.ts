import { open, type FileHandle } from 'node:fs/promises';
import { ST_DTYPE_SIZE, SafetensorsError, bf16BitsToF32, f16BitsToF32 } from './dtypes.js';
import { MAX_HEADER_BYTES, parseHeader, type StEntry } from './header.js';

// One read() call is capped by the OS (~2 GiB on Linux); bigger tensors are read in slices.
const MAX_READ_CHUNK = 1 << 30;

async function readExactly(fh: FileHandle, buf: Uint8Array, position: number, path: string, what: string): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const len = Math.min(buf.length - done, MAX_READ_CHUNK);
    const { bytesRead } = await fh.read(buf, done, len, position + done);
    if (bytesRead === 0) throw new SafetensorsError(`${path}: unexpected end of file while reading ${what}`);
    done += bytesRead;
  }
}

/**
 * A safetensors file opened for random access. The header is read and validated on open; tensor bytes are
 * read on demand with positioned reads, so multi-gigabyte files are never loaded whole.
 */
export class SafetensorsFile {
  private fh: FileHandle | null;

  private constructor(
    readonly path: string,
    fh: FileHandle,
    readonly metadata: Record<string, string>,
    readonly entries: Map<string, StEntry>,
    private readonly dataStart: number,
  ) {
    this.fh = fh;
  }

  static async open(path: string): Promise<SafetensorsFile> {
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      if (size < 8) throw new SafetensorsError(`${path}: file is ${size} bytes, shorter than the 8-byte header length`);
      const lenBuf = new Uint8Array(8);
      await readExactly(fh, lenBuf, 0, path, 'the header length');
      const headerLen = new DataView(lenBuf.buffer).getBigUint64(0, true);
      if (headerLen > BigInt(MAX_HEADER_BYTES)) {
        throw new SafetensorsError(`${path}: header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
      }
      if (headerLen > BigInt(size - 8)) {
        throw new SafetensorsError(`${path}: header length ${headerLen} exceeds the ${size - 8} bytes after the length field`);
      }
      const headerBytes = new Uint8Array(Number(headerLen));
      await readExactly(fh, headerBytes, 8, path, 'the header');
      const { entries, metadata, dataStart } = parseHeader(headerBytes, size, path);
      return new SafetensorsFile(path, fh, metadata, entries, dataStart);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** Tensor names in file (data offset) order. */
  names(): string[] {
    return [...this.entries.values()].sort((a, b) => a.begin - b.begin || a.end - b.end).map((e) => e.name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  entry(name: string): StEntry {
    const e = this.entries.get(name);
    if (!e) throw new SafetensorsError(`${this.path}: no tensor '${name}' (the file has ${this.entries.size} tensors)`);
    return e;
  }

  /** The tensor's bytes, in a fresh buffer starting at offset 0 (so any typed-array view is aligned). */
  async readRaw(name: string): Promise<Uint8Array> {
    const e = this.entry(name);
    if (!this.fh) throw new SafetensorsError(`${this.path}: file is closed (reading tensor '${name}')`);
    const buf = new Uint8Array(e.end - e.begin);
    await readExactly(this.fh, buf, this.dataStart + e.begin, this.path, `tensor '${name}'`);
    return buf;
  }

  /** The tensor as f32: floats are widened or rounded, integers converted (exact up to 2^24). */
  async readFloat32(name: string): Promise<Float32Array> {
    const e = this.entry(name);
    const raw = await this.readRaw(name);
    const b = raw.buffer;
    const n = raw.length / ST_DTYPE_SIZE[e.dtype];
    switch (e.dtype) {
      case 'F32': return new Float32Array(b, 0, n);
      case 'F64': return Float32Array.from(new Float64Array(b, 0, n));
      case 'F16': return f16BitsToF32(new Uint16Array(b, 0, n));
      case 'BF16': return bf16BitsToF32(new Uint16Array(b, 0, n));
      case 'I64': return Float32Array.from(new BigInt64Array(b, 0, n), (v) => Number(v));
      case 'U64': return Float32Array.from(new BigUint64Array(b, 0, n), (v) => Number(v));
      case 'I32': return Float32Array.from(new Int32Array(b, 0, n));
      case 'U32': return Float32Array.from(new Uint32Array(b, 0, n));
      case 'I16': return Float32Array.from(new Int16Array(b, 0, n));
      case 'U16': return Float32Array.from(new Uint16Array(b, 0, n));
      case 'I8': return Float32Array.from(new Int8Array(b, 0, n));
      case 'U8': return Float32Array.from(raw);
      case 'BOOL': return Float32Array.from(raw, (v) => (v ? 1 : 0));
    }
  }

  /** The tensor as i32; integer dtypes only, and 64/32-bit unsigned values must fit in i32. */
  async readInt32(name: string): Promise<Int32Array> {
    const e = this.entry(name);
    if (e.dtype === 'F64' || e.dtype === 'F32' || e.dtype === 'F16' || e.dtype === 'BF16') {
      throw new SafetensorsError(`${this.path}: tensor '${name}' is ${e.dtype}; readInt32 needs an integer dtype`);
    }
    const raw = await this.readRaw(name);
    const b = raw.buffer;
    const n = raw.length / ST_DTYPE_SIZE[e.dtype];
    const checked = (src: ArrayLike<bigint | number>): Int32Array => {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = Number(src[i]);
        if (v < -2147483648 || v > 2147483647) {
          throw new SafetensorsError(`${this.path}: tensor '${name}' (${e.dtype}) element ${i} = ${src[i]} does not fit in int32`);
        }
        out[i] = v;
      }
      return out;
    };
    switch (e.dtype) {
      case 'I32': return new Int32Array(b, 0, n);
      case 'I64': return checked(new BigInt64Array(b, 0, n));
      case 'U64': return checked(new BigUint64Array(b, 0, n));
      case 'U32': return checked(new Uint32Array(b, 0, n));
      case 'I16': return Int32Array.from(new Int16Array(b, 0, n));
      case 'U16': return Int32Array.from(new Uint16Array(b, 0, n));
      case 'I8': return Int32Array.from(new Int8Array(b, 0, n));
      case 'U8': return Int32Array.from(raw);
      case 'BOOL': return Int32Array.from(raw, (v) => (v ? 1 : 0));
    }
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (fh) await fh.close();
  }
}
