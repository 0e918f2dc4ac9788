import t from 'tap';
import { readFileSync } from 'node:fs';
import { slideGeometry, windowBatch, windowPlan, cropTopLeft, type WindowGeometry } from 'clearclip';
import { requireShared } from '../helpers/fixtures.js';
import { uniform } from '../helpers/random.js';

type Box = { y1: number; x1: number; padTop: number; padLeft: number };
const box = (y1: number, x1: number, padTop = 0, padLeft = 0): Box => ({ y1, x1, padTop, padLeft });

t.test('fixture windows: 200x300, crop 224, stride 112, patch 16 (settings.json windows_derived)', async (t) => {
  const file = requireShared(t, 'fixtures', 'clip-tiny-b16', 'settings.json');
  if (!file) return;
  const seg = JSON.parse(readFileSync(file, 'utf8')).segmentation;
  const [h, w] = seg.resize.resized_hw as [number, number];
  const g = slideGeometry(h, w, seg.slide_crop, seg.slide_stride, 16);
  const derived = seg.windows_derived as { y1: number; y2: number; x1: number; x2: number; pad_lrtb: number[]; grid_hw: number[] }[];
  t.equal(g.boxes.length, derived.length);
  derived.forEach((d, k) => {
    const b = g.boxes[k];
    const [l, r, top, bottom] = d.pad_lrtb;
    t.same([b.y1, b.y1 + g.winH, b.x1, b.x1 + g.winW], [d.y1, d.y2, d.x1, d.x2], `window ${k} extent`);
    t.same([b.padLeft, g.padW - g.winW - b.padLeft, b.padTop, g.padH - g.winH - b.padTop], [l, r, top, bottom], `window ${k} padding l,r,t,b`);
    t.same([g.padH / 16, g.padW / 16], d.grid_hw, `window ${k} token grid`);
  });
  t.same(
    (seg.windows_observed_by_forward_feature_HxW as number[][])[0],
    [g.padH, g.padW],
    'padded window size the model saw',
  );
});

t.test('image smaller than the crop on both axes: one window, centred padding (top = pad // 2)', async (t) => {
  // 45 % 16 = 13 -> pad 3 -> top 1, bottom 2; 50 % 16 = 2 -> pad 14 -> left 7, right 7.
  const g = slideGeometry(45, 50, 224, 112, 16);
  t.same(g, { h: 45, w: 50, winH: 45, winW: 50, padH: 48, padW: 64, boxes: [box(0, 0, 1, 7)] });
});

t.test('image smaller than the crop on one axis only', async (t) => {
  // H: 100 < 224 -> 1 row, 100 % 16 = 4 -> pad 12 -> top 6. W: (500 - 224 + 111) // 112 + 1 = 4 columns at
  // 0, 112, 224 and the last shifted back from 336 to 500 - 224 = 276.
  const g = slideGeometry(100, 500, 224, 112, 16);
  t.same([g.winH, g.winW, g.padH, g.padW], [100, 224, 112, 224]);
  t.same(g.boxes, [box(0, 0, 6), box(0, 112, 6), box(0, 224, 6), box(0, 276, 6)]);
});

t.test('exact multiples: windows at i * stride, none shifted, no padding', async (t) => {
  // (448 - 224 + 223) // 224 + 1 = 2 per axis.
  const a = slideGeometry(448, 448, 224, 224, 16);
  t.same(a.boxes, [box(0, 0), box(0, 224), box(224, 0), box(224, 224)]);
  t.same([a.winH, a.winW, a.padH, a.padW], [224, 224, 224, 224]);
  // (336 - 224 + 111) // 112 + 1 = 2: windows 0..224 and 112..336 end exactly at the border.
  const b = slideGeometry(336, 224, 224, 112, 16);
  t.same(b.boxes, [box(0, 0), box(112, 0)]);
  // Image equal to the crop: a single window.
  t.same(slideGeometry(224, 224, 224, 112, 16).boxes, [box(0, 0)]);
});

t.test('last window shifted back to end at the border', async (t) => {
  // (250 - 224 + 111) // 112 + 1 = 2 rows: 0..224, then 112..336 clipped to 250 -> starts at 26.
  const g = slideGeometry(250, 224, 224, 112, 16);
  t.same(g.boxes, [box(0, 0), box(26, 0)]);
  // Stride larger than the leftover: (460 - 224 + 199) // 200 + 1 = 3 columns at 0, 200, and 400 -> 460 - 224 = 236.
  t.same(
    slideGeometry(224, 460, 224, 200, 16).boxes.map((b) => b.x1),
    [0, 200, 236],
  );
});

t.test('crop 0 is upstream whole-image mode: no padding, remainder rows and columns dropped, logits go straight to the output size', async (t) => {
  // 200 // 16 = 12 -> 192 rows seen; 300 // 16 = 18 -> 288 columns; one window mapped onto the 400x600 output.
  const plan = windowPlan(200, 300, [400, 600], 0, 0, 16);
  t.same(plan, {
    geometry: { h: 400, w: 600, winH: 400, winW: 600, padH: 400, padW: 600, boxes: [box(0, 0)] },
    inputH: 192,
    inputW: 288,
    resizeAfter: false,
  });
  t.throws(() => windowPlan(10, 300, [10, 300], 0, 0, 16), /smaller than one 16-pixel patch/);
  const img = Float32Array.from({ length: 3 * 5 * 7 }, (_, i) => i);
  const crop = cropTopLeft(img, 5, 7, 4, 6);
  t.equal(crop[(2 * 4 + 3) * 6 + 5], img[(2 * 5 + 3) * 7 + 5], 'channel 2, row 3, column 5 kept in place');
});

t.test('sliding plans resize after merging only when the output size differs', async (t) => {
  t.equal(windowPlan(200, 300, [200, 300], 224, 112, 16).resizeAfter, false);
  t.equal(windowPlan(200, 300, [1367, 2048], 224, 112, 16).resizeAfter, true);
  t.same(windowPlan(200, 300, [200, 300], 224, 112, 16).geometry, slideGeometry(200, 300, 224, 112, 16));
});

t.test('bad arguments name the argument and the value', async (t) => {
  t.throws(() => slideGeometry(0, 10, 224, 112, 16), /slideGeometry: h must be a positive integer, got 0/);
  t.throws(() => slideGeometry(10, -3, 224, 112, 16), /slideGeometry: w must be a positive integer, got -3/);
  t.throws(() => slideGeometry(10, 10, 224, 112, 1.5), /slideGeometry: patch must be a positive integer, got 1.5/);
  t.throws(() => slideGeometry(10, 10, -1, 112, 16), /slideGeometry: crop must be a positive integer, got -1/);
  t.throws(() => slideGeometry(10, 10, 224, 0, 16), /slideGeometry: stride must be a positive integer, got 0/);
  t.throws(() => slideGeometry(10.5, 10, 224, 112, 16), /h must be a positive integer/);
});

/** What windowBatch must produce, written as a direct per-element lookup. */
function expectedBatch(img: Float32Array, g: WindowGeometry, first: number, count: number): Float32Array {
  const out = new Float32Array(count * 3 * g.padH * g.padW);
  let i = 0;
  for (let k = 0; k < count; k++) {
    const b = g.boxes[first + k];
    for (let c = 0; c < 3; c++)
      for (let py = 0; py < g.padH; py++)
        for (let px = 0; px < g.padW; px++, i++) {
          const y = py - b.padTop;
          const x = px - b.padLeft;
          if (y >= 0 && x >= 0 && y < g.winH && x < g.winW) out[i] = img[(c * g.h + b.y1 + y) * g.w + b.x1 + x];
        }
  }
  return out;
}

t.test('windowBatch: crops at the window corners, zeros in the centred padding', async (t) => {
  for (const [h, w, crop, stride, patch] of [
    [45, 70, 32, 12, 6], // 3 x 5 windows, 32 % 6 = 2 -> pad 2 + 2
    [21, 70, 32, 12, 8], // one row smaller than the crop: 21 % 8 = 5 -> pad 3 -> top 1, bottom 2
    [13, 9, 16, 4, 4], // crop larger than the image: one window, pad 3 (top 1) and 3 (left 1)
  ]) {
    const g = slideGeometry(h, w, crop, stride, patch);
    // Values away from 0 so that a missing copy cannot look like padding.
    const img = uniform(3 * h * w, h * 1000 + w, 1, 2);
    const n = g.boxes.length;
    const first = Math.min(1, n - 1);
    const count = n - first;
    const got = windowBatch(img, g, first, count);
    t.same(got, expectedBatch(img, g, first, count), `${h}x${w} crop ${crop}: windows ${first}..${n - 1}`);
    const zeros = got.filter((v) => v === 0).length;
    t.equal(zeros, count * 3 * (g.padH * g.padW - g.winH * g.winW), `${h}x${w}: zeros exactly in the padding`);
  }
  const g = slideGeometry(20, 20, 24, 8, 16);
  t.throws(() => windowBatch(new Float32Array(3 * 20 * 19), g, 0, 1), /windowBatch: image has 1140 values, expected 3x20x20/);
});
