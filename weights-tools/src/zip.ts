/**
 * Minimal zip reader for PyTorch checkpoints: central directory (with zip64), STORED entries read in place,
 * DEFLATE entries inflated in memory (torch.save writes STORED; deflate covers re-zipped files).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import path from 'node:path';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const EOCD64_LOC_SIG = 0x07064b50;
const EOCD64_SIG = 0x06064b50;
const CDIR_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

/** Deflate's best ratio is about 1032:1; a declared size beyond that cannot be honest. */
const MAX_DEFLATE_RATIO = 1032;

export class ZipReader {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly fileSize: number,
    readonly entries: Map<string, ZipEntry>,
  ) {}

  /** True when the file starts with a zip local-header signature. */
  static async isZip(file: string): Promise<boolean> {
    const fh = await open(file, 'r');
    try {
      const b = Buffer.alloc(4);
      const { bytesRead } = await fh.read(b, 0, 4, 0);
      return bytesRead === 4 && b.readUInt32LE(0) === LOCAL_SIG;
    } finally {
      await fh.close();
    }
  }

  static async open(file: string): Promise<ZipReader> {
    const fh = await open(file, 'r');
    try {
      const size = (await fh.stat()).size;
      const entries = await readCentralDirectory(file, fh, size);
      return new ZipReader(file, fh, size, entries);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  entry(name: string): ZipEntry {
    const e = this.entries.get(name);
    if (!e) throw new ZipError(`${path.basename(this.path)}: zip has no entry '${name}'`);
    return e;
  }

  /** Offset of the entry's data in the file (after its local header). */
  private async dataOffset(e: ZipEntry): Promise<number> {
    const h = await this.readAt(e.localHeaderOffset, 30);
    if (h.readUInt32LE(0) !== LOCAL_SIG) throw new ZipError(`${this.path}: bad local header for '${e.name}'`);
    // The local header must agree with the central directory (unless its sizes are deferred to a data descriptor
    // (flag bit 3) or to zip64 extras (0xffffffff)).
    const flags = h.readUInt16LE(6);
    const lc = h.readUInt32LE(18);
    const lu = h.readUInt32LE(22);
    const disagree = h.readUInt16LE(8) !== e.method || (!(flags & 8) && ((lc !== 0xffffffff && lc !== e.compressedSize) || (lu !== 0xffffffff && lu !== e.size)));
    if (disagree) throw new ZipError(`${path.basename(this.path)}: entry '${e.name}': local header (method ${h.readUInt16LE(8)}, ${lc}/${lu} bytes) disagrees with the central directory (method ${e.method}, ${e.compressedSize}/${e.size} bytes)`);
    return e.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
  }

  /** `length` bytes of an entry's uncompressed data starting at `offset`. */
  async read(name: string, offset = 0, length?: number): Promise<Uint8Array> {
    const e = this.entry(name);
    const len = length ?? e.size - offset;
    if (offset < 0 || len < 0 || offset + len > e.size) {
      throw new ZipError(`${path.basename(this.path)}: read of [${offset}, ${offset + len}) is outside entry '${name}' (${e.size} bytes)`);
    }
    const start = await this.dataOffset(e);
    if (e.method === 0) return this.readAt(start + offset, len);
    if (e.method === 8) {
      const raw = await this.readAt(start, e.compressedSize);
      // Hard cap at the declared size: inflating stops at the first byte over instead of filling memory.
      let full: Buffer;
      try {
        full = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ERR_BUFFER_TOO_LARGE') throw new ZipError(`${path.basename(this.path)}: entry '${name}' inflates to more than its declared ${e.size} bytes (zip bomb?); refused`);
        throw new ZipError(`${path.basename(this.path)}: entry '${name}' is corrupt deflate data (${(err as Error).message})`);
      }
      if (full.length !== e.size) throw new ZipError(`${path.basename(this.path)}: entry '${name}' inflated to ${full.length} bytes, expected ${e.size}`);
      return full.subarray(offset, offset + len);
    }
    throw new ZipError(`${this.path}: entry '${name}' uses compression method ${e.method}; only stored (0) and deflate (8) are supported`);
  }

  private async readAt(pos: number, len: number): Promise<Buffer> {
    if (pos + len > this.fileSize) throw new ZipError(`${this.path}: truncated (needs bytes up to ${pos + len}, file has ${this.fileSize})`);
    const b = Buffer.allocUnsafe(len);
    let done = 0;
    while (done < len) {
      const { bytesRead } = await this.fh.read(b, done, len - done, pos + done);
      if (bytesRead === 0) throw new ZipError(`${this.path}: unexpected end of file at ${pos + done}`);
      done += bytesRead;
    }
    return b;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const b = Buffer.alloc(len);
  await fh.read(b, 0, len, pos);
  return b;
}

async function readCentralDirectory(file: string, fh: FileHandle, size: number): Promise<Map<string, ZipEntry>> {
  try {
    return await parseCentralDirectory(file, fh, size);
  } catch (e) {
    // Any read past a buffer's end (Buffer's RangeError) is a corrupt directory, named as such.
    if (e instanceof RangeError) throw new ZipError(`${path.basename(file)}: corrupt zip central directory (${e.message})`);
    throw e;
  }
}

async function parseCentralDirectory(file: string, fh: FileHandle, size: number): Promise<Map<string, ZipEntry>> {
  const name = path.basename(file);
  // The end record is in the last 22 + 65535 (comment) bytes.
  const tailLen = Math.min(size, 22 + 65535);
  const tail = await readAt(fh, size - tailLen, tailLen);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError(`${name}: not a zip file or truncated (no end-of-central-directory record)`);
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  const eocdPos = size - tailLen + eocd;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    if (eocdPos < 20) throw new ZipError(`${name}: zip64 locator missing`);
    const loc = await readAt(fh, eocdPos - 20, 20);
    if (loc.readUInt32LE(0) !== EOCD64_LOC_SIG) throw new ZipError(`${name}: zip64 locator missing`);
    const e64pos = Number(loc.readBigUInt64LE(8));
    if (e64pos + 56 > eocdPos) throw new ZipError(`${name}: zip64 end record at ${e64pos} lies outside the file`);
    const e64 = await readAt(fh, e64pos, 56);
    if (e64.readUInt32LE(0) !== EOCD64_SIG) throw new ZipError(`${name}: bad zip64 end record`);
    count = Number(e64.readBigUInt64LE(32));
    cdSize = Number(e64.readBigUInt64LE(40));
    cdOffset = Number(e64.readBigUInt64LE(48));
  }
  if (cdOffset + cdSize > size) throw new ZipError(`${name}: truncated (central directory at ${cdOffset}+${cdSize} beyond file size ${size})`);
  if (count > cdSize / 46) throw new ZipError(`${name}: corrupt central directory (${count} entries cannot fit in ${cdSize} bytes)`);
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CDIR_SIG) throw new ZipError(`${name}: corrupt central directory at entry ${i}`);
    const method = cd.readUInt16LE(p + 10);
    let compressedSize = cd.readUInt32LE(p + 20);
    let usize = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > cd.length) throw new ZipError(`${name}: corrupt central directory at entry ${i} (name/extra/comment run past its end)`);
    const entryName = cd.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    // zip64 extra field (0x0001): the 64-bit values appear in this order, only for fields saturated above.
    let q = p + 46 + nameLen;
    const extraEnd = q + extraLen;
    while (q + 4 <= extraEnd) {
      const id = cd.readUInt16LE(q);
      const len = cd.readUInt16LE(q + 2);
      if (q + 4 + len > extraEnd) throw new ZipError(`${name}: corrupt extra field of entry '${entryName}'`);
      if (id === 0x0001) {
        let r = q + 4;
        if (usize === 0xffffffff) (usize = Number(cd.readBigUInt64LE(r))), (r += 8);
        if (compressedSize === 0xffffffff) (compressedSize = Number(cd.readBigUInt64LE(r))), (r += 8);
        if (localHeaderOffset === 0xffffffff) (localHeaderOffset = Number(cd.readBigUInt64LE(r))), (r += 8);
      }
      q += 4 + len;
    }
    // Declared sizes against the file: the data must lie before the central directory, a stored entry is its
    // own size, and nothing inflates beyond deflate's best ratio.
    const where = `${name}: entry '${entryName}'`;
    if (localHeaderOffset + 30 + compressedSize > cdOffset) throw new ZipError(`${where} declares ${compressedSize} bytes at ${localHeaderOffset}, past the entries' end (${cdOffset})`);
    if (method === 0 && usize !== compressedSize) throw new ZipError(`${where} is stored but declares ${usize} bytes uncompressed and ${compressedSize} compressed`);
    if (method === 8 && usize > compressedSize * MAX_DEFLATE_RATIO + 1024) throw new ZipError(`${where} declares ${usize} bytes from ${compressedSize} compressed, beyond deflate's ${MAX_DEFLATE_RATIO}:1 (zip bomb?)`);
    if (entries.has(entryName)) throw new ZipError(`${where} appears twice in the central directory`);
    entries.set(entryName, { name: entryName, method, compressedSize, size: usize, localHeaderOffset });
    p = extraEnd + commentLen;
  }
  return entries;
}
