import { open, rename, rm } from 'node:fs/promises';
import { toF16Bits } from '../dtype.js';
import { ST_DTYPE_SIZE, SafetensorsError, f32ToBf16Bits, type StDtype } from './dtypes.js';
import { shapeNumel } from './header.js';

/**
 * A tensor to write. `data` is either the raw little-endian bytes of `dtype` (any typed array whose byte length
 * matches, e.g. Uint16Array of f16 bits) or values to convert: a Float32Array for F64/F16/BF16 (rounded to
 * nearest even), an Int32Array for the other integer dtypes and BOOL (range-checked).
 */
export interface StTensorIn {
  name: string;
  dtype: StDtype;
  shape: number[];
  data: Uint8Array | Float32Array | Int32Array | Uint16Array;
}

interface Slot {
  name: string;
  dtype: StDtype;
  shape: number[];
  begin: number;
  end: number;
  written: boolean;
}

const INT_RANGE: Partial<Record<StDtype, [number, number]>> = {
  I8: [-128, 127], U8: [0, 255], I16: [-32768, 32767], U16: [0, 65535], U32: [0, 4294967295], BOOL: [0, 1],
};

function asBytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function encode(t: StTensorIn, numel: number, where: string): Uint8Array {
  const bytes = numel * ST_DTYPE_SIZE[t.dtype];
  const d = t.data;
  const isFloat = t.dtype === 'F64' || t.dtype === 'F32' || t.dtype === 'F16' || t.dtype === 'BF16';
  // Reinterpreting i32 bits as floats (or the reverse) is never what a caller means.
  if ((d instanceof Float32Array && !isFloat) || (d instanceof Int32Array && isFloat)) {
    throw new SafetensorsError(`${where}: ${d.constructor.name} data cannot be written as ${t.dtype}`);
  }
  if (d instanceof Float32Array && t.dtype !== 'F32' && d.length === numel) {
    switch (t.dtype) {
      case 'F64': return asBytes(Float64Array.from(d));
      case 'F16': return asBytes(toF16Bits(d));
      case 'BF16': return asBytes(f32ToBf16Bits(d));
      default: throw new SafetensorsError(`${where}: Float32Array data cannot be written as ${t.dtype}`);
    }
  }
  if (d instanceof Int32Array && t.dtype !== 'I32' && d.length === numel) {
    if (t.dtype === 'I64') return asBytes(BigInt64Array.from(d, (v) => BigInt(v)));
    if (t.dtype === 'U64') {
      const neg = d.findIndex((v) => v < 0);
      if (neg >= 0) throw new SafetensorsError(`${where}: element ${neg} = ${d[neg]} does not fit in U64`);
      return asBytes(BigUint64Array.from(d, (v) => BigInt(v)));
    }
    const range = INT_RANGE[t.dtype];
    if (!range) throw new SafetensorsError(`${where}: Int32Array data cannot be written as ${t.dtype}`);
    const bad = d.findIndex((v) => v < range[0] || v > range[1]);
    if (bad >= 0) throw new SafetensorsError(`${where}: element ${bad} = ${d[bad]} does not fit in ${t.dtype}`);
    const Ctor = { I8: Int8Array, U8: Uint8Array, I16: Int16Array, U16: Uint16Array, U32: Uint32Array, BOOL: Uint8Array }[
      t.dtype as 'I8' | 'U8' | 'I16' | 'U16' | 'U32' | 'BOOL'
    ];
    return asBytes(Ctor.from(d));
  }
  if (d.byteLength !== bytes) {
    throw new SafetensorsError(
      `${where}: shape ${JSON.stringify(t.shape)} of ${t.dtype} needs ${bytes} bytes, data (${d.constructor.name}[${d.length}]) has ${d.byteLength}`,
    );
  }
  return asBytes(d);
}

/** The header JSON, padded with spaces to a multiple of 8 bytes so the data section starts aligned. */
function buildHeader(slots: Slot[], metadata: Record<string, string> | undefined): Uint8Array {
  const obj: Record<string, unknown> = {};
  if (metadata) obj.__metadata__ = metadata;
  for (const s of slots) obj[s.name] = { dtype: s.dtype, shape: s.shape, data_offsets: [s.begin, s.end] };
  let json = JSON.stringify(obj);
  const len = new TextEncoder().encode(json).length;
  json += ' '.repeat((8 - (len % 8)) % 8);
  const body = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.length), true);
  out.set(body, 8);
  return out;
}

/**
 * Write a safetensors file atomically (to `path + '.tmp'`, then renamed). With an array, everything is known up
 * front. With a function returning an async iterable, `layout` must give every tensor's name, dtype and shape so
 * the header can be written first; the tensors may then arrive one at a time in any order and are written at
 * their offsets, so a large model never has to be held in memory at once.
 */
export async function writeSafetensors(
  path: string,
  tensors: StTensorIn[] | (() => AsyncIterable<StTensorIn>),
  metadata?: Record<string, string>,
  layout?: { name: string; dtype: StDtype; shape: number[] }[],
): Promise<void> {
  const plan = layout ?? (Array.isArray(tensors) ? tensors : undefined);
  if (!plan) throw new SafetensorsError(`${path}: writing from an async iterable needs a layout (names, dtypes, shapes)`);
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`${path}: metadata value for '${k}' must be a string`);
    }
  }
  const slots = new Map<string, Slot>();
  let offset = 0;
  for (const p of plan) {
    const where = `${path}: tensor '${p.name}'`;
    if (p.name === '__metadata__') throw new SafetensorsError(`${where}: the name is reserved`);
    if (slots.has(p.name)) throw new SafetensorsError(`${where}: listed twice`);
    if (!(p.dtype in ST_DTYPE_SIZE)) throw new SafetensorsError(`${where}: unknown dtype ${JSON.stringify(p.dtype)}`);
    const bytes = shapeNumel(p.shape, where) * ST_DTYPE_SIZE[p.dtype];
    slots.set(p.name, { name: p.name, dtype: p.dtype, shape: p.shape.slice(), begin: offset, end: offset + bytes, written: false });
    offset += bytes;
  }

  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    const header = buildHeader([...slots.values()], metadata);
    await fh.write(header, 0, header.length, 0);
    const dataStart = header.length;
    const source: Iterable<StTensorIn> | AsyncIterable<StTensorIn> = Array.isArray(tensors) ? tensors : tensors();
    for await (const t of source) {
      const where = `${path}: tensor '${t.name}'`;
      const slot = slots.get(t.name);
      if (!slot) throw new SafetensorsError(`${where}: not in the layout`);
      if (slot.written) throw new SafetensorsError(`${where}: given twice`);
      if (t.dtype !== slot.dtype || JSON.stringify(t.shape) !== JSON.stringify(slot.shape)) {
        throw new SafetensorsError(
          `${where}: is ${t.dtype} ${JSON.stringify(t.shape)} but the layout says ${slot.dtype} ${JSON.stringify(slot.shape)}`,
        );
      }
      const bytes = encode(t, shapeNumel(t.shape, where), where);
      let done = 0;
      while (done < bytes.length) {
        const n = Math.min(bytes.length - done, 1 << 30);
        const { bytesWritten } = await fh.write(bytes, done, n, dataStart + slot.begin + done);
        done += bytesWritten;
      }
      slot.written = true;
    }
    const missing = [...slots.values()].filter((s) => !s.written).map((s) => s.name);
    if (missing.length) {
      throw new SafetensorsError(`${path}: tensors in the layout were never given: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`);
    }
    await fh.sync();
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
  await rename(tmp, path);
}
