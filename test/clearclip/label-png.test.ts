import t from 'tap';
import { inflateSync } from 'node:zlib';
import pngjs from 'pngjs';
import { encodeLabelPng, palette } from '../../packages/clearclip/src/render/index.js';
import { decodeIndexPng } from 'clearclip/eval';
import { rng } from '../helpers/random.js';

function randomPred(n: number, classes: number, seed: number): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r() * classes));
}

/** The chunks of a PNG, read by hand: what any decoder sees first. */
function chunks(buf: Uint8Array): Map<string, Buffer[]> {
  const b = Buffer.from(buf);
  const out = new Map<string, Buffer[]>();
  for (let p = 8; p < b.length; ) {
    const len = b.readUInt32BE(p);
    const type = b.toString('latin1', p + 4, p + 8);
    out.set(type, [...(out.get(type) ?? []), b.subarray(p + 8, p + 8 + len)]);
    p += 12 + len;
  }
  return out;
}

t.test('palette label PNG: pixel values are class indices, the palette is the overlay colours', async (t) => {
  const [w, h, n] = [37, 23, 7];
  const pred = randomPred(w * h, n, 1);
  const colours = palette(n);
  const png = encodeLabelPng(pred, w, h, colours, 'palette');
  const c = chunks(png);
  t.equal(c.get('IHDR')![0][9], 3, 'colour type 3 (indexed)');
  t.equal(c.get('IHDR')![0][8], 8, 'bit depth 8');
  t.same([...c.get('PLTE')![0]], colours.flat(), 'PLTE holds the class colours in class order');
  // Indices read back through the package's own label reader...
  t.same([...decodeIndexPng(png).data], [...pred], 'decodeIndexPng gives the class indices');
  // ...and by hand, with nothing but zlib: one byte per pixel after each row's filter byte (rows with filter 0
  // are the values themselves).
  const raw = inflateSync(Buffer.concat(c.get('IDAT')!));
  t.equal(raw.length, h * (w + 1), 'one byte per pixel plus a filter byte per row');
  const byHand: number[] = [];
  for (let y = 0; y < h; y++) if (raw[y * (w + 1)] === 0) byHand.push(...raw.subarray(y * (w + 1) + 1, (y + 1) * (w + 1)));
  t.equal(byHand.length, w * h, 'every row unfiltered');
  t.same(byHand, [...pred], 'the raw bytes are the class indices');
  // A viewer (pngjs expands palettes to RGBA) shows each pixel in its class colour.
  const rgba = pngjs.PNG.sync.read(Buffer.from(png));
  let wrong = 0;
  for (let i = 0; i < w * h; i++) for (let k = 0; k < 3; k++) if (rgba.data[4 * i + k] !== colours[pred[i]][k]) wrong++;
  t.equal(wrong, 0, 'viewers see the class colours');
});

t.test('gray16 label PNG holds indices above 255; a palette refuses more than 256 classes', async (t) => {
  const [w, h, n] = [19, 11, 300];
  const pred = randomPred(w * h, n, 2);
  pred[0] = 299;
  const png = encodeLabelPng(pred, w, h, palette(n));
  t.equal(chunks(png).get('IHDR')![0][8], 16, 'more than 256 classes default to 16-bit');
  const img = pngjs.PNG.sync.read(Buffer.from(png), { skipRescale: true } as pngjs.ParserOptions);
  const got = Array.from({ length: w * h }, (_, i) => (img.data as unknown as Uint16Array)[4 * i]);
  t.same(got, [...pred], 'pngjs reads the 16-bit gray values back as the class indices');
  t.throws(() => encodeLabelPng(pred, w, h, palette(n), 'palette'), /at most 256.*gray16/);
  t.throws(() => encodeLabelPng(Int32Array.of(0, 5), 2, 1, palette(3)), /class 5 at pixel 1/);
});
