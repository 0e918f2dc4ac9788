import t from 'tap';
import pngjs from 'pngjs';
import { classShares, decodeImage, encodePng, labelImage, legendScale, overlayImage, palette, type Rgb, type RgbImage } from 'clearclip';
import { rng } from '../helpers/random.js';

function countColour(img: RgbImage, c: Rgb): number {
  let n = 0;
  for (let i = 0; i < img.data.length; i += 3) if (img.data[i] === c[0] && img.data[i + 1] === c[1] && img.data[i + 2] === c[2]) n++;
  return n;
}

function flat(w: number, h: number, v: number): RgbImage {
  return { width: w, height: h, data: new Uint8Array(3 * w * h).fill(v) };
}

t.test('palette: PASCAL VOC colours from index 1, all distinct, never black', async (t) => {
  t.same(palette(0), []);
  // The published VOC colormap entries 1..9.
  t.same(palette(9), [[128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128], [128, 0, 128], [0, 128, 128], [128, 128, 128], [64, 0, 0], [192, 0, 0]]);
  const big = palette(4096);
  t.equal(new Set(big.map((c) => c.join())).size, 4096, '4096 distinct colours');
  t.notOk(big.some((c) => c.every((v) => v === 0)), 'no black');
  t.ok(big.every((c) => c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)), 'all in 0..255');
  t.throws(() => palette(-1), /palette: n must be an integer/);
});

t.test('labelImage and classShares', async (t) => {
  const cols = palette(3);
  const pred = Int32Array.from([0, 1, 2, 2, 1, 2]);
  const img = labelImage(pred, 3, 2, cols);
  t.same([img.width, img.height], [3, 2]);
  t.same(Array.from(img.data), Array.from(pred).flatMap((k) => cols[k]));
  t.same(classShares(pred, 4), [1 / 6, 2 / 6, 3 / 6, 0]);
  t.throws(() => labelImage(pred, 3, 2, palette(2)), /class 2 at pixel 2 is outside \[0, 2\)/);
  t.throws(() => labelImage(pred, 2, 2, cols), /prediction has 6 values, expected 4/);
  t.throws(() => classShares(Int32Array.from([0, -1]), 2), /class -1 at pixel 1/);
});

t.test('overlayImage: blend away from the legend, swatches of present classes only', async (t) => {
  const w = 300;
  const h = 200;
  const photo = flat(w, h, 100);
  // Colours that the blend of a flat grey photo cannot produce, so exact matches can only be swatch pixels.
  const cols: Rgb[] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]];
  const names = ['sky', 'hill', 'unused', 'horse'];
  const pred = new Int32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pred[y * w + x] = y < 50 ? 0 : y < 150 ? 1 : 3;
  const alpha = 0.4;
  const out = overlayImage(photo, pred, cols, names, alpha);
  t.same([out.width, out.height], [w, h]);
  t.equal(photo.data[0], 100, 'photo not modified');
  // Bottom-right pixel: class 3, far from the legend. 100*0.6 + [255,255,0]*0.4 = [162, 162, 60].
  const i = 3 * (w * h - 1);
  t.same(Array.from(out.data.subarray(i, i + 3)), [162, 162, 60]);
  const i2 = 3 * (100 * w + w - 1);
  t.same(Array.from(out.data.subarray(i2, i2 + 3)), [60, 162, 60], 'class 1 row');
  // Legend swatches: at scale 1 a 7x7 white square with a 5x5 colour inside.
  for (const k of [0, 1, 3]) t.equal(countColour(out, cols[k]), 25, `swatch of present class ${names[k]}`);
  t.equal(countColour(out, cols[2]), 0, 'no swatch for the absent class');
  t.ok(countColour(out, [255, 255, 255]) > 100, 'white text and swatch borders drawn');
  t.throws(() => overlayImage(photo, pred.subarray(1), cols, names), /prediction has 59999 values, photo is 300x200 = 60000/);
  t.throws(() => overlayImage(photo, pred, cols, names.slice(1)), /3 class names for 4 colours/);
});

t.test('overlayImage: large photos get a scaled legend; too many classes collapse into "+N more"', async (t) => {
  t.equal(legendScale(2048, 1367), 5);
  t.equal(legendScale(300, 200), 1);
  const big = overlayImage(flat(1000, 720, 90), new Int32Array(720000), [[255, 0, 0]], ['sky']);
  // Scale 3: the 7x7 swatch becomes 21x21 with a 1-pixel border -> 19x19 of colour.
  t.equal(countColour(big, [255, 0, 0]), 19 * 19, 'scaled swatch');
  // 40 classes on a 120x60 photo: rows of 11 px fit 4 times, so 3 swatches and a "+37 more" line.
  const n = 40;
  const cols = palette(n);
  const w = 120;
  const h = 60;
  const pred = Int32Array.from({ length: w * h }, (_, p) => p % n);
  // alpha 0 on a black photo: every non-black, non-white pixel is a swatch pixel.
  const out = overlayImage(flat(w, h, 0), pred, cols, Array.from({ length: n }, (_, k) => `c${k}`), 0);
  const shown = cols.filter((c) => countColour(out, c) === 25).length;
  t.equal(shown, 3, '3 swatches shown');
  t.equal(countColour(out, cols[n - 1]), 0, 'the last class is summarised');
});

t.test('legend text: non-ASCII characters render as "?"', async (t) => {
  const pred = new Int32Array(60 * 40);
  const a = overlayImage(flat(60, 40, 50), pred, [[1, 2, 3]], ['caf\u00e9 \u6771']);
  const b = overlayImage(flat(60, 40, 50), pred, [[1, 2, 3]], ['caf? ?']);
  t.same(a.data, b.data);
  const c = overlayImage(flat(60, 40, 50), pred, [[1, 2, 3]], ['cafe ?']);
  t.notSame(a.data, c.data, 'and the text is drawn at all');
});

t.test('encodePng round trip', async (t) => {
  const r = rng(9);
  for (const [w, h] of [[1, 1], [13, 7], [256, 3]]) {
    const img: RgbImage = { width: w, height: h, data: Uint8Array.from({ length: 3 * w * h }, () => Math.floor(r() * 256)) };
    const bytes = encodePng(img);
    const back = decodeImage(bytes, 'rt.png');
    t.same([back.width, back.height], [w, h]);
    t.same(back.data, img.data, `${w}x${h} through our decoder`);
    const viaPngjs = pngjs.PNG.sync.read(Buffer.from(bytes));
    t.equal(viaPngjs.colorType, 2, 'colour type 2 (RGB)');
    t.same(Uint8Array.from(viaPngjs.data.filter((_, i) => i % 4 !== 3)), img.data, `${w}x${h} through pngjs`);
  }
  t.throws(() => encodePng({ width: 2, height: 2, data: new Uint8Array(5) }), /encodePng: image data has 5 bytes/);
});
