import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pngjs from 'pngjs';
import jpeg from 'jpeg-js';
import { decodeImage, readImage, type RgbImage } from 'clearclip';
import { rng } from '../helpers/random.js';
import { buildPng, packBits } from './helpers/png-chunks.js';

const dir = mkdtempSync(path.join(tmpdir(), 'clearclip-img-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function pixel(img: RgbImage, x: number, y: number): number[] {
  const i = 3 * (y * img.width + x);
  return Array.from(img.data.subarray(i, i + 3));
}

/**
 * Encodes RGBA samples with pngjs as the given colour type. pngjs composites alpha onto white when it writes a
 * type without alpha, so those inputs are given opaque.
 */
function pngjsEncode(w: number, h: number, rgba: Uint8Array, colorType: 0 | 2 | 4 | 6): Uint8Array {
  const png = new pngjs.PNG({ width: w, height: h });
  png.data = Buffer.from(rgba);
  return new Uint8Array(pngjs.PNG.sync.write(png, { colorType }));
}

t.test('PNG written by pngjs: RGB, RGBA (alpha dropped, colour kept), grey, grey+alpha', async (t) => {
  const w = 7;
  const h = 5;
  const r = rng(3);
  const rgba = new Uint8Array(4 * w * h);
  for (let i = 0; i < rgba.length; i++) rgba[i] = Math.floor(r() * 256);
  const rgb = rgba.filter((_, i) => i % 4 !== 3);
  const opaque = rgba.map((v, i) => (i % 4 === 3 ? 255 : v));
  for (const [ct, input] of [[2, opaque], [6, rgba]] as const) {
    const img = decodeImage(pngjsEncode(w, h, input, ct), `c${ct}.png`);
    t.same([img.width, img.height], [w, h]);
    t.same(img.data, rgb, `colour type ${ct}: RGB samples come back unchanged (alpha not composited)`);
  }
  // pngjs reduces RGBA to grey by its own rule; what must hold is that the decoder replicates one grey value.
  for (const ct of [0, 4] as const) {
    const img = decodeImage(pngjsEncode(w, h, rgba, ct), `c${ct}.png`);
    const parsed = pngjs.PNG.sync.read(Buffer.from(pngjsEncode(w, h, rgba, ct)));
    let ok = true;
    for (let p = 0; p < w * h; p++) {
      const g = parsed.data[4 * p];
      if (img.data[3 * p] !== g || img.data[3 * p + 1] !== g || img.data[3 * p + 2] !== g) ok = false;
    }
    t.ok(ok, `colour type ${ct}: grey replicated into R, G and B`);
  }
});

t.test('16-bit PNG keeps the high byte (libpng strip_16, as cv2.imread IMREAD_COLOR)', async (t) => {
  // 0x12FF would round to 0x13 under 255/65535 rescaling; OpenCV gives 0x12.
  const samples = [0x12ff, 0x0000, 0xffff, 0x8080, 0x7f01, 0x00ff];
  const row = new Uint8Array(samples.flatMap((v) => [v >> 8, v & 255]));
  const rgb = decodeImage(buildPng({ width: 2, height: 1, bitDepth: 16, colorType: 2, rows: [row] }), 'rgb16.png');
  t.same(Array.from(rgb.data), [0x12, 0x00, 0xff, 0x80, 0x7f, 0x00]);
  const rgba16 = new Uint8Array([0x12, 0xff, 0x34, 0x80, 0x56, 0x01, 0x00, 0x10]);
  const a = decodeImage(buildPng({ width: 1, height: 1, bitDepth: 16, colorType: 6, rows: [rgba16] }), 'rgba16.png');
  t.same(Array.from(a.data), [0x12, 0x34, 0x56], 'RGBA 16: alpha dropped');
  const g = decodeImage(buildPng({ width: 3, height: 1, bitDepth: 16, colorType: 0, rows: [new Uint8Array([0xab, 0xcd, 0, 0xff, 0xff, 0])] }), 'g16.png');
  t.same(Array.from(g.data), [0xab, 0xab, 0xab, 0, 0, 0, 0xff, 0xff, 0xff], 'grey 16');
});

t.test('1/2/4-bit grey is scaled to 0..255 by bit replication', async (t) => {
  for (const bits of [1, 2, 4] as const) {
    const max = (1 << bits) - 1;
    const values = Array.from({ length: max + 1 }, (_, i) => i);
    const img = decodeImage(buildPng({ width: values.length, height: 1, bitDepth: bits, colorType: 0, rows: [packBits(values, bits)] }), `g${bits}.png`);
    // Replicating a b-bit value v over 8 bits is v * 255 / (2^b - 1) for b = 1, 2, 4.
    const step = { 1: 255, 2: 85, 4: 17 }[bits];
    t.same(Array.from(img.data.filter((_, i) => i % 3 === 0)), values.map((v) => v * step), `${bits}-bit grey`);
  }
});

t.test('palette PNGs (8-bit and 2-bit, with tRNS) are looked up; transparency is ignored', async (t) => {
  const palette: [number, number, number][] = [[10, 20, 30], [200, 100, 0], [0, 255, 128], [77, 77, 77]];
  const idx = [3, 0, 1, 2, 2, 1];
  for (const bits of [8, 2] as const) {
    const rows = [packBits(idx.slice(0, 3), bits), packBits(idx.slice(3), bits)];
    const bytes = buildPng({ width: 3, height: 2, bitDepth: bits, colorType: 3, rows, palette, trns: new Uint8Array([0, 128]) });
    const img = decodeImage(bytes, `p${bits}.png`);
    t.same([img.width, img.height], [3, 2]);
    t.same(Array.from(img.data), idx.flatMap((i) => palette[i]), `${bits}-bit palette`);
  }
  // A tRNS colour on an RGB image: pngjs alone would zero those pixels; cv2 keeps the colour.
  const row = new Uint8Array([5, 6, 7, 9, 9, 9]);
  const trns = new Uint8Array([0, 5, 0, 6, 0, 7]);
  const img = decodeImage(buildPng({ width: 2, height: 1, bitDepth: 8, colorType: 2, rows: [row], trns }), 'trns.png');
  t.same(Array.from(img.data), [5, 6, 7, 9, 9, 9]);
});

t.test('JPEG: jpeg-js round trip, EXIF orientation', async (t) => {
  const w = 32;
  const h = 16;
  const rgba = new Uint8Array(4 * w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 4 * (y * w + x);
      // A red top-left block on a smooth background, to see where it lands after rotation.
      const red = x < 8 && y < 8;
      rgba.set(red ? [230, 20, 20, 255] : [40 + 4 * x, 60 + 5 * y, 120, 255], i);
    }
  }
  const enc = new Uint8Array(jpeg.encode({ width: w, height: h, data: rgba }, 95).data);
  const img = decodeImage(enc, 'smooth.jpg');
  t.same([img.width, img.height], [w, h]);
  let sum = 0;
  let max = 0;
  for (let p = 0; p < w * h; p++) {
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(img.data[3 * p + c] - rgba[4 * p + c]);
      sum += d;
      max = Math.max(max, d);
    }
  }
  // Quality 95 with 4:2:0-free encoding of a smooth image: a few levels, more at the red block's edges.
  t.ok(sum / (3 * w * h) < 3, `mean |decoded - original| ${(sum / (3 * w * h)).toFixed(2)} (max ${max})`);

  // Orientation 6 = "rotate 90 clockwise to display": the top-left block must end up top-right, size swapped.
  const exif = Buffer.from([
    0xff, 0xe1, 0x00, 0x22, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00, // APP1, length 34, "Exif\0\0"
    0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF, IFD0 at 8
    0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, // 1 entry: Orientation = 6
    0x00, 0x00, 0x00, 0x00, // no next IFD
  ]);
  const rotatedBytes = new Uint8Array(Buffer.concat([enc.subarray(0, 2), exif, enc.subarray(2)]));
  const rot = decodeImage(rotatedBytes, 'rot.jpg');
  t.same([rot.width, rot.height], [h, w], 'orientation 6 swaps width and height');
  t.ok(pixel(rot, h - 3, 2)[0] > 180 && pixel(rot, 2, 2)[0] < 120, `red block now top-right: ${pixel(rot, h - 3, 2)} vs top-left ${pixel(rot, 2, 2)}`);
  let same = true;
  for (let y = 0; y < rot.height; y++) for (let x = 0; x < rot.width; x++) if (pixel(rot, x, y).join() !== pixel(img, y, h - 1 - x).join()) same = false;
  t.ok(same, 'rotated(x, y) == stored(y, H-1-x) everywhere');

});

t.test('errors name the file', async (t) => {
  t.throws(() => decodeImage(new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]), 'anim.gif'), /cannot decode anim.gif: not a PNG or JPEG \(6 bytes, starting 47 49 46 38 39 61\)/);
  t.throws(() => decodeImage(new Uint8Array(0), 'empty.png'), /cannot decode empty.png: not a PNG or JPEG \(0 bytes/);
  const png = pngjsEncode(8, 8, new Uint8Array(256).map((_, i) => (i % 4 === 3 ? 255 : 90)), 2);
  t.throws(() => decodeImage(png.subarray(0, png.length - 30), 'cut.png'), /cannot decode cut.png: corrupt or truncated PNG/);
  const rgba = new Uint8Array(4 * 64 * 64).map((_, i) => (i * 37) & 255);
  const jpg = new Uint8Array(jpeg.encode({ width: 64, height: 64, data: rgba }, 90).data);
  t.throws(() => decodeImage(jpg.subarray(0, jpg.length >> 1), 'cut.jpg'), /cannot decode cut.jpg: corrupt or truncated JPEG/);
  await t.rejects(readImage(path.join(dir, 'missing.png')), /ENOENT/);
  const file = path.join(dir, 'ok.png');
  writeFileSync(file, png);
  const img = await readImage(file);
  t.same([img.width, img.height, img.data[0]], [8, 8, 90], 'readImage reads a file');
});
