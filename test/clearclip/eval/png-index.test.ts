import t from 'tap';
import { deflateSync, inflateSync } from 'node:zlib';
import pngjs from 'pngjs';
import { decodeIndexPng, encodeIndexPng } from 'clearclip/eval';
import { rng } from '../../helpers/random.js';

const palette: [number, number, number][] = Array.from({ length: 256 }, (_, i) => [(i * 53) % 256, (i * 29 + 11) % 256, 255 - i]);

t.test('palette PNG yields palette indices; pngjs (an independent decoder) sees the matching colours', async (t) => {
  const r = rng(1);
  const w = 37, h = 11;
  const data = Uint8Array.from({ length: w * h }, () => (r() < 0.1 ? 255 : Math.floor(r() * 21)));
  const buf = encodeIndexPng({ width: w, height: h, data }, palette);
  const back = decodeIndexPng(buf);
  t.equal(back.width, w);
  t.equal(back.height, h);
  t.same(Array.from(back.data), Array.from(data), 'indices, not RGB');
  const rgba = pngjs.PNG.sync.read(buf);
  let bad = 0;
  for (let i = 0; i < w * h; i++) {
    const c = palette[data[i]];
    if (rgba.data[4 * i] !== c[0] || rgba.data[4 * i + 1] !== c[1] || rgba.data[4 * i + 2] !== c[2]) bad++;
  }
  t.equal(bad, 0, 'pngjs expands the same pixels to the palette colours');
});

t.test('grayscale PNGs written by pngjs (pngjs picks a filter per row) decode to their values', async (t) => {
  const r = rng(2);
  const filters = new Set<number>();
  for (const [w, h] of [[1, 1], [3, 50], [64, 17]]) {
    // Smooth gradients plus noise make pngjs pick different filters per row.
    const gray = Uint8Array.from({ length: w * h }, (_, i) => ((i % w) * 3 + Math.floor(i / w) * 5 + (r() < 0.3 ? Math.floor(r() * 40) : 0)) & 255);
    const png = new pngjs.PNG({ width: w, height: h, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
    png.data = Buffer.from(gray);
    const buf = pngjs.PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
    t.equal(buf[25], 0, 'written as colour type 0 (grayscale)');
    const back = decodeIndexPng(buf);
    t.same(Array.from(back.data), Array.from(gray), `${w}x${h}`);
    const idat = inflateSync(buf.subarray(buf.indexOf('IDAT') + 4, buf.indexOf('IEND') - 8));
    for (let y = 0; y < h; y++) filters.add(idat[y * (w + 1)]);
  }
  t.ok(filters.size >= 3, `several filter types exercised: ${[...filters].sort()}`);
});

function rawPng(w: number, h: number, depth: number, colorType: number, interlace: number, idatRaw: Uint8Array, plte?: Uint8Array): Buffer {
  // Built by hand (CRCs left zero: the decoder, like Pillow with default settings for ancillary data, does not check them).
  const chunk = (type: string, body: Uint8Array) => {
    const b = Buffer.alloc(12 + body.length);
    b.writeUInt32BE(body.length, 0);
    b.write(type, 4, 'latin1');
    b.set(body, 8);
    return b;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  ihdr[12] = interlace;
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), ...(plte ? [chunk('PLTE', plte)] : []), chunk('IDAT', deflateSync(idatRaw)), chunk('IEND', new Uint8Array(0))]);
}

t.test('4-bit palette, 16-bit gray and Adam7-interlaced PNGs', async (t) => {
  // 4-bit palette, 3x2: indices [1,2,15 / 0,7,9]; rows: filter 0, packed high nibble first; odd width pads.
  const p4 = rawPng(3, 2, 4, 3, 0, Uint8Array.from([0, 0x12, 0xf0, 0, 0x07, 0x90]), new Uint8Array(48));
  t.same(Array.from(decodeIndexPng(p4).data), [1, 2, 15, 0, 7, 9]);
  // 16-bit gray, 2x1: 0x0105 and 0x02ff -> low bytes 5 and 255 (astype(uint8) wraps).
  const g16 = rawPng(2, 1, 16, 0, 0, Uint8Array.from([0, 0x01, 0x05, 0x02, 0xff]));
  t.same(Array.from(decodeIndexPng(g16).data), [5, 255]);
  // Adam7, 8-bit gray, 3x3 with value = 10*y + x. Passes (x0,y0,dx,dy) per the PNG spec; for 3x3 only passes
  // 1 (0,0), 4 (2,0), 5 (0,2 and 2,2), 6 (1,0 / 1,2) and 7 (row 1) hold pixels.
  const v = (x: number, y: number) => 10 * y + x;
  const passes = [
    [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
  ];
  const bytes: number[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    for (let y = y0; y < 3; y += dy) {
      const row: number[] = [];
      for (let x = x0; x < 3; x += dx) row.push(v(x, y));
      if (row.length) bytes.push(0, ...row);
    }
  }
  const il = rawPng(3, 3, 8, 0, 1, Uint8Array.from(bytes));
  t.same(Array.from(decodeIndexPng(il).data), [0, 1, 2, 10, 11, 12, 20, 21, 22]);
});

t.test('colour PNGs and junk are refused with a clear message', async (t) => {
  const png = new pngjs.PNG({ width: 2, height: 2 });
  t.throws(() => decodeIndexPng(pngjs.PNG.sync.write(png), 'x.png'), /x\.png: label maps must be single-channel.*colour type 6/);
  t.throws(() => decodeIndexPng(Buffer.from('hello world'), 'y.png'), /y\.png: not a PNG/);
  t.throws(() => encodeIndexPng({ width: 2, height: 1, data: Uint8Array.from([0, 3]) }, [[0, 0, 0]]), /index 3 outside a palette of 1/);
});
