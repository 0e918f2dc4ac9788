import t from 'tap';
import pngjs from 'pngjs';
import { classShares, decodeImage, encodePng, labelImage, legendMetrics, overlayImage, palette, type Rgb, type RgbImage } from 'clearclip';
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
  // Legend swatches: a white square with the class colour inside its border.
  const m = legendMetrics(w, h);
  const inner = (m.swatch - 2 * m.border) ** 2;
  for (const k of [0, 1, 3]) t.equal(countColour(out, cols[k]), inner, `swatch of present class ${names[k]}`);
  t.equal(countColour(out, cols[2]), 0, 'no swatch for the absent class');
  t.ok(countColour(out, [255, 255, 255]) > 100, 'white text and swatch borders drawn');
  t.throws(() => overlayImage(photo, pred.subarray(1), cols, names), /prediction has 59999 values, photo is 300x200 = 60000/);
  t.throws(() => overlayImage(photo, pred, cols, names.slice(1)), /3 class names for 4 colours/);
});

t.test('overlayImage: the legend grows with the photo; too many classes collapse into "+N more"', async (t) => {
  t.equal(legendMetrics(640, 480).em, 16, 'a 640x480 photo gets 16-pixel text');
  t.equal(legendMetrics(2048, 1367).em, 46);
  t.equal(legendMetrics(300, 200).em, 12, 'never below 12 pixels');
  const mb = legendMetrics(1000, 720);
  const big = overlayImage(flat(1000, 720, 90), new Int32Array(720000), [[255, 0, 0]], ['sky']);
  t.equal(countColour(big, [255, 0, 0]), (mb.swatch - 2 * mb.border) ** 2, 'scaled swatch');
  // 40 classes on a 120x100 photo: as many rows as fit the height, the last one saying "+N more".
  const n = 40;
  const cols = palette(n);
  const w = 120;
  const h = 100;
  const m = legendMetrics(w, h);
  const fit = Math.floor((h - 2 * m.margin - 2 * m.pad) / m.rowH);
  const pred = Int32Array.from({ length: w * h }, (_, p) => p % n);
  const out = overlayImage(flat(w, h, 0), pred, cols, Array.from({ length: n }, (_, k) => `c${k}`), 0);
  const shown = cols.filter((c) => countColour(out, c) === (m.swatch - 2 * m.border) ** 2).length;
  t.ok(fit >= 2 && fit < n, `${fit} rows fit`);
  t.equal(shown, fit - 1, `${fit - 1} swatches shown`);
  t.equal(countColour(out, cols[n - 1]), 0, 'the last class is summarised');
});

/** The legend's text pixels: the box region with the swatch column masked out. */
function legendText(img: RgbImage): Uint8Array {
  const m = legendMetrics(img.width, img.height);
  const x0 = m.margin + m.pad + m.swatch + 1;
  const rows: number[] = [];
  for (let y = 0; y < Math.min(img.height, 3 * m.rowH); y++) for (let x = x0; x < img.width; x++) rows.push(...img.data.subarray(3 * (y * img.width + x), 3 * (y * img.width + x) + 3));
  return Uint8Array.from(rows);
}

t.test('legend text: names outside ASCII are drawn as written', async (t) => {
  const [w, h] = [640, 480];
  const pred = new Int32Array(w * h);
  const draw = (name: string) => legendText(overlayImage(flat(w, h, 50), pred, [[1, 2, 3]], [name]));
  const arbol = draw('árbol');
  const arbolPlain = draw('arbol');
  const che = draw('车');
  const huo = draw('火');
  const bright = (a: Uint8Array) => a.filter((v) => v > 200).length;
  t.notSame(che, huo, 'two different CJK names give different legend pixels');
  t.notSame(arbol, arbolPlain, 'the accent is drawn (á differs from a)');
  t.notSame(che, draw('?'), 'a CJK name is not drawn as "?"');
  t.ok(bright(che) > 30, `the CJK glyph has ink (${bright(che)} bright values)`);
  // Legible at native size: the text of one row is taller than 10 pixels on a 640x480 photo.
  const m = legendMetrics(w, h);
  const x0 = m.margin + m.pad + m.swatch + 1;
  const img = overlayImage(flat(w, h, 50), pred, [[1, 2, 3]], ['Hill']);
  const inkRows = new Set<number>();
  for (let y = 0; y < m.rowH * 2; y++) for (let x = x0; x < 200; x++) if (img.data[3 * (y * w + x)] > 200) inkRows.add(y);
  t.ok(inkRows.size > 10, `"Hill" is ${inkRows.size} pixels tall at 640x480`);
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
