import { checkPixels, maxImagePixels } from '../image/pixel-limit.js';
import { inflateSync, deflateSync } from 'node:zlib';

/**
 * Label maps are read as MMSeg reads them (Pillow, flag 'unchanged', then astype(uint8)): a palette PNG gives its
 * palette INDICES, a grayscale PNG its values. pngjs always expands palettes to RGBA, so this small decoder works on
 * the chunks directly.
 */
export interface IndexImage {
  width: number;
  height: number;
  /** Row-major, one value per pixel. */
  data: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// Adam7 passes: x0, y0, dx, dy.
const ADAM7 = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
] as const;

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the per-scanline filters of one (sub)image in place; returns the raw rows. */
function unfilter(src: Uint8Array, offset: number, rows: number, rowBytes: number, bpp: number, what: string): Uint8Array {
  const out = new Uint8Array(rows * rowBytes);
  let p = offset;
  for (let y = 0; y < rows; y++) {
    if (p + 1 + rowBytes > src.length) throw new Error(`${what}: image data ends early (row ${y} of ${rows})`);
    const ft = src[p++];
    const row = y * rowBytes;
    const prev = row - rowBytes;
    for (let x = 0; x < rowBytes; x++) {
      const raw = src[p++];
      const a = x >= bpp ? out[row + x - bpp] : 0;
      const b = y > 0 ? out[prev + x] : 0;
      const c = x >= bpp && y > 0 ? out[prev + x - bpp] : 0;
      let v: number;
      switch (ft) {
        case 0: v = raw; break;
        case 1: v = raw + a; break;
        case 2: v = raw + b; break;
        case 3: v = raw + ((a + b) >> 1); break;
        case 4: v = raw + paeth(a, b, c); break;
        default: throw new Error(`${what}: bad PNG filter type ${ft} in row ${y}`);
      }
      out[row + x] = v & 0xff;
    }
  }
  return out;
}

/**
 * Decodes a grayscale (8/16-bit) or palette (1/2/4/8-bit) PNG into one uint8 value per pixel: the palette index,
 * or the gray value (16-bit values wrap to their low byte, as numpy's astype(uint8) does in MMSeg's loader).
 * Colour PNGs are refused: MMSeg would load them as H x W x 3 and fail too.
 */
export function decodeIndexPng(buf: Uint8Array, what = 'label PNG'): IndexImage {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 8 || !b.subarray(0, 8).equals(SIGNATURE)) throw new Error(`${what}: not a PNG file`);
  let p = 8;
  let width = 0, height = 0, depth = 0, colorType = -1, interlace = 0;
  const idat: Buffer[] = [];
  while (p + 8 <= b.length) {
    const len = b.readUInt32BE(p);
    const type = b.toString('latin1', p + 4, p + 8);
    const body = b.subarray(p + 8, p + 8 + len);
    if (body.length !== len) throw new Error(`${what}: truncated ${type} chunk`);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      depth = body[8];
      colorType = body[9];
      interlace = body[12];
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    p += 12 + len;
  }
  if (colorType < 0) throw new Error(`${what}: no IHDR chunk`);
  checkPixels(width, height, what, maxImagePixels());
  const gray = colorType === 0 && (depth === 8 || depth === 16);
  const pal = colorType === 3 && [1, 2, 4, 8].includes(depth);
  if (!gray && !pal) {
    throw new Error(`${what}: label maps must be single-channel (grayscale 8/16-bit or palette); got PNG colour type ${colorType}, bit depth ${depth}`);
  }
  // Capped at what the declared size needs (rows of filter byte + samples, Adam7 adds at most 7 filter bytes per row).
  const rawCap = height * (1 + Math.ceil((width * depth) / 8)) + 7 * height + 64;
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(inflateSync(Buffer.concat(idat), { maxOutputLength: rawCap }));
  } catch (e) {
    throw new Error(`${what}: image data inflates past its declared ${width}x${height} or is corrupt (${(e as Error).message})`);
  }
  const bpp = Math.max(1, depth >> 3);
  const data = new Uint8Array(width * height);
  const sample = (rows: Uint8Array, rowBytes: number, x: number, y: number): number => {
    const r = y * rowBytes;
    if (depth === 8) return rows[r + x];
    if (depth === 16) return rows[r + 2 * x + 1];
    const perByte = 8 / depth;
    const byte = rows[r + Math.floor(x / perByte)];
    const shift = 8 - depth * (1 + (x % perByte));
    return (byte >> shift) & ((1 << depth) - 1);
  };
  if (interlace === 0) {
    const rowBytes = Math.ceil((width * depth) / 8);
    const rows = unfilter(raw, 0, height, rowBytes, bpp, what);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = sample(rows, rowBytes, x, y);
  } else {
    let off = 0;
    for (const [x0, y0, dx, dy] of ADAM7) {
      const pw = Math.ceil((width - x0) / dx);
      const ph = Math.ceil((height - y0) / dy);
      if (pw <= 0 || ph <= 0) continue;
      const rowBytes = Math.ceil((pw * depth) / 8);
      const rows = unfilter(raw, off, ph, rowBytes, bpp, what);
      off += ph * (rowBytes + 1);
      for (let y = 0; y < ph; y++) for (let x = 0; x < pw; x++) data[(y0 + y * dy) * width + x0 + x * dx] = sample(rows, rowBytes, x, y);
    }
  }
  return { width, height, data };
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(parts: Uint8Array[]): number {
  let c = 0xffffffff;
  for (const d of parts) for (let i = 0; i < d.length; i++) c = CRC_TABLE[(c ^ d[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32([head.subarray(4), body]), 0);
  return Buffer.concat([head, body, crc]);
}

/**
 * Encodes an 8-bit single-channel PNG: grayscale (what Pillow writes for Image.fromarray(uint8 2-D)), or palette
 * mode when `palette` (RGB triples) is given, as VOC/Context labels are stored.
 */
export function encodeIndexPng(img: IndexImage, palette?: readonly (readonly [number, number, number])[]): Buffer {
  const { width, height, data } = img;
  if (data.length !== width * height) throw new Error(`encodeIndexPng: data has ${data.length} values for ${width}x${height}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = palette ? 3 : 0;
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const parts = [SIGNATURE, chunk('IHDR', ihdr)];
  if (palette) {
    if (palette.length < 1 || palette.length > 256) throw new Error(`encodeIndexPng: palette has ${palette.length} entries`);
    for (let i = 0; i < data.length; i++) {
      if (data[i] >= palette.length) throw new Error(`encodeIndexPng: index ${data[i]} outside a palette of ${palette.length}`);
    }
    parts.push(chunk('PLTE', Buffer.from(palette.flatMap((c) => [c[0], c[1], c[2]]))));
  }
  parts.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/**
 * A 16-bit grayscale PNG (colour type 0, depth 16, big-endian samples): label maps with more than 256 classes,
 * readable by any PNG decoder (Pillow mode I;16, OpenCV IMREAD_UNCHANGED).
 */
export function encodeGray16Png(width: number, height: number, data: ArrayLike<number>): Buffer {
  if (data.length !== width * height) throw new Error(`encodeGray16Png: data has ${data.length} values for ${width}x${height}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 16;
  ihdr[9] = 0;
  const rowBytes = 2 * width + 1;
  const raw = Buffer.alloc(height * rowBytes);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x];
      if (!(Number.isInteger(v) && v >= 0 && v < 65536)) throw new Error(`encodeGray16Png: value ${v} at pixel ${y * width + x} does not fit 16 bits`);
      raw.writeUInt16BE(v, y * rowBytes + 1 + 2 * x);
    }
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
