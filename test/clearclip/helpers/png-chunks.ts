import { crc32, deflateSync } from 'node:zlib';

/**
 * Writes PNGs chunk by chunk for the decoder tests, for the formats pngjs cannot write (palette, 1/2/4-bit grey,
 * tRNS). Rows are given as raw sample bytes (already bit-packed, 16-bit big-endian); every row uses filter 0.
 */
export interface PngSpec {
  width: number;
  height: number;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  colorType: 0 | 2 | 3 | 4 | 6;
  rows: Uint8Array[];
  palette?: [number, number, number][];
  trns?: Uint8Array;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export function buildPng(s: PngSpec): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(s.width, 0);
  ihdr.writeUInt32BE(s.height, 4);
  ihdr[8] = s.bitDepth;
  ihdr[9] = s.colorType;
  const raw = Buffer.concat(s.rows.flatMap((r) => [Buffer.from([0]), Buffer.from(r)]));
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (s.palette) parts.push(chunk('PLTE', Uint8Array.from(s.palette.flat())));
  if (s.trns) parts.push(chunk('tRNS', s.trns));
  parts.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0)));
  return new Uint8Array(Buffer.concat(parts));
}

/** Packs samples of `bits` bits, most significant first, into whole bytes per row (PNG's layout). */
export function packBits(samples: number[], bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((samples.length * bits) / 8));
  samples.forEach((v, i) => {
    const bit = i * bits;
    out[bit >> 3] |= v << (8 - bits - (bit & 7));
  });
  return out;
}
