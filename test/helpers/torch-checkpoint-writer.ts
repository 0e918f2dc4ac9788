/**
 * Writes PyTorch-style zip checkpoints in tests, with the structure torch.save produces for a state_dict
 * (pickle protocol 2; `<archive>/data.pkl`, `<archive>/data/<key>`, `<archive>/byteorder`, `<archive>/version`,
 * STORED entries whose data is 64-byte aligned by a padding extra field). No torch needed.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export type TorchDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8' | 'BOOL';

const STORAGE: Record<TorchDtype, [string, number]> = {
  F64: ['DoubleStorage', 8], F32: ['FloatStorage', 4], F16: ['HalfStorage', 2], BF16: ['BFloat16Storage', 2],
  I64: ['LongStorage', 8], I32: ['IntStorage', 4], U8: ['ByteStorage', 1], BOOL: ['BoolStorage', 1],
};

export interface TorchTensorSpec {
  name: string;
  dtype: TorchDtype;
  shape: number[];
  /** Raw little-endian bytes of the whole storage. */
  storage: Uint8Array;
  /** Defaults: contiguous view at offset 0. */
  stride?: number[];
  storageOffset?: number;
  /** Pickle as nn.Parameter (torch._utils._rebuild_parameter) instead of a plain tensor. */
  parameter?: boolean;
}

export interface CheckpointOptions {
  archive?: string;
  /** Nest the state_dict: {"epoch": 3, "state_dict": {...}} like OpenCLIP training checkpoints. */
  nested?: boolean;
  /** Prefix every key (DistributedDataParallel's "module."). */
  keyPrefix?: string;
  /** Deflate every entry (torch writes STORED; re-zipped files may not). */
  deflate?: boolean;
}

/** Pickle protocol-2 emitter with the memo handling pickle.py uses for repeated globals. */
export class PickleWriter {
  private parts: number[] = [];
  private memo = new Map<string, number>();
  private nextMemo = 0;

  byte(...b: number[]): this {
    this.parts.push(...b);
    return this;
  }
  private u32(n: number): this {
    return this.byte(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }
  put(): this {
    const i = this.nextMemo++;
    return i < 256 ? this.byte(0x71, i) : this.byte(0x72).u32(i);
  }
  proto(): this {
    return this.byte(0x80, 2);
  }
  mark(): this {
    return this.byte(0x28);
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.byte(0x58).u32(b.length);
    for (const x of b) this.byte(x);
    return this.put();
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.byte(0x4b, n);
    if (n >= 0 && n < 65536) return this.byte(0x4d, n & 0xff, n >> 8);
    return this.byte(0x4a).u32(n >>> 0);
  }
  global(module: string, name: string): this {
    const key = `${module}\n${name}`;
    const m = this.memo.get(key);
    if (m !== undefined) return m < 256 ? this.byte(0x68, m) : this.byte(0x6a).u32(m);
    this.byte(0x63);
    for (const c of `${module}\n${name}\n`) this.byte(c.charCodeAt(0));
    this.memo.set(key, this.nextMemo);
    return this.put();
  }
  /** Tuple of ints as torch writes sizes/strides: TUPLE1-3 for short ones, MARK..TUPLE otherwise. */
  intTuple(xs: number[]): this {
    if (xs.length === 0) return this.byte(0x29);
    if (xs.length <= 3) {
      for (const x of xs) this.int(x);
      return this.byte(0x84 + xs.length).put();
    }
    this.mark();
    for (const x of xs) this.int(x);
    return this.byte(0x74).put();
  }
  emptyOrderedDict(): this {
    return this.global('collections', 'OrderedDict').byte(0x29).byte(0x52).put();
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

function pickleTensor(w: PickleWriter, t: TorchTensorSpec, key: string): void {
  const [cls, isz] = STORAGE[t.dtype];
  const numel = t.storage.length / isz;
  const stride = t.stride ?? t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  if (t.parameter) w.global('torch._utils', '_rebuild_parameter');
  w.global('torch._utils', '_rebuild_tensor_v2');
  w.mark();
  // Persistent id ('storage', <class>, key, location, numel).
  w.mark().str('storage').global('torch', cls).str(key).str('cpu').int(numel).byte(0x74).put().byte(0x51);
  w.int(t.storageOffset ?? 0).intTuple(t.shape).intTuple(stride).byte(0x89).emptyOrderedDict();
  w.byte(0x74).put().byte(0x52).put();
  if (t.parameter) {
    w.byte(0x88).emptyOrderedDict().byte(0x87).put().byte(0x52).put();
  }
}

/** data.pkl for an OrderedDict state_dict (with OpenCLIP-like _metadata set by BUILD). */
export function statePickle(tensors: TorchTensorSpec[], opts: CheckpointOptions = {}): Uint8Array {
  const w = new PickleWriter().proto();
  if (opts.nested) {
    w.byte(0x7d).put().mark().str('epoch').int(3).str('name').str('run').str('state_dict');
  }
  w.emptyOrderedDict().mark();
  tensors.forEach((t, i) => {
    w.str((opts.keyPrefix ?? '') + t.name);
    pickleTensor(w, t, String(i));
  });
  w.byte(0x75);
  // state: {'_metadata': OrderedDict([('', {'version': 1})])}
  w.byte(0x7d).put().str('_metadata').emptyOrderedDict().str('').byte(0x7d).put().str('version').int(1).byte(0x73).byte(0x73).byte(0x73);
  w.byte(0x62);
  if (opts.nested) w.byte(0x75);
  return w.byte(0x2e).bytes();
}

/** A zip with the given entries, STORED (or deflated), data aligned to 64 bytes like torch's writer. */
export function zipBytes(entries: { name: string; data: Uint8Array }[], deflate = false): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = new TextEncoder().encode(e.name);
    const body = deflate ? new Uint8Array(deflateRawSync(e.data)) : e.data;
    const method = deflate ? 8 : 0;
    const crc = crc32(e.data) >>> 0;
    const headerLen = 30 + name.length + 4;
    const pad = (64 - ((offset + headerLen) % 64)) % 64;
    const extra = new Uint8Array(4 + pad);
    new DataView(extra.buffer).setUint16(0, 0x4246, true); // "FB", torch's padding record
    new DataView(extra.buffer).setUint16(2, pad, true);
    const local = new Uint8Array(30);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, e.data.length, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, extra.length, true);
    chunks.push(local, name, extra, body);
    const cd = new Uint8Array(46);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, e.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.push(cd, name);
    offset += local.length + name.length + extra.length + body.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...chunks, ...central, eocd];
  const out = new Uint8Array(all.reduce((a, c) => a + c.length, 0));
  let p = 0;
  for (const c of all) (out.set(c, p), (p += c.length));
  return out;
}

/** A whole torch.save-style checkpoint for a state_dict. */
export function torchCheckpointBytes(tensors: TorchTensorSpec[], opts: CheckpointOptions = {}): Uint8Array {
  return torchZipWithPickle(statePickle(tensors, opts), tensors.map((t) => t.storage), opts);
}

/** A torch-style zip around any data.pkl (for hostile pickles). */
export function torchZipWithPickle(pickle: Uint8Array, storages: Uint8Array[] = [], opts: CheckpointOptions = {}): Uint8Array {
  const a = opts.archive ?? 'archive';
  const enc = new TextEncoder();
  return zipBytes(
    [
      { name: `${a}/data.pkl`, data: pickle },
      { name: `${a}/byteorder`, data: enc.encode('little') },
      ...storages.map((s, i) => ({ name: `${a}/data/${i}`, data: s })),
      { name: `${a}/version`, data: enc.encode('3\n') },
    ],
    opts.deflate,
  );
}
