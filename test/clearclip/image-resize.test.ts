import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { mmsegRescaleSize, resizeLinearU8, resizeLinearU8Float, type RgbImage } from 'clearclip';
import { requireShared } from '../helpers/fixtures.js';
import { rng } from '../helpers/random.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function randomImage(w: number, h: number, seed: number): RgbImage {
  const r = rng(seed);
  const data = new Uint8Array(3 * w * h);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256);
  return { width: w, height: h, data };
}

function column(values: number[]): RgbImage {
  return { width: 1, height: values.length, data: Uint8Array.from(values.flatMap((v) => [v, v, v])) };
}

t.test('mmsegRescaleSize follows mmcv rescale_size for keep_ratio', async (t) => {
  t.same(mmsegRescaleSize(1367, 2048, [2048, 200]), [200, 300], 'horses.jpg at scale (2048, 200)');
  const settingsPath = requireShared(t, 'fixtures', 'clip-tiny-b16', 'settings.json');
  if (settingsPath) {
    const rz = JSON.parse(readFileSync(settingsPath, 'utf8')).segmentation.resize;
    t.same(mmsegRescaleSize(rz.original_hw[0], rz.original_hw[1], rz.scale), rz.resized_hw, 'settings.json resized_hw');
  }
  // sf = min(2048/100, 512/50) = 10.24 -> 1024 x 512; the short side binds.
  t.same(mmsegRescaleSize(100, 50, [2048, 512]), [1024, 512]);
  // sf = min(2048/3000, 512/100) = 0.68267 (long side binds): 3000*sf = 2048, 100*sf + 0.5 = 68.77 -> 68.
  t.same(mmsegRescaleSize(100, 3000, [2048, 512]), [68, 2048]);
  // The order of the scale pair does not matter (max and min are taken).
  t.same(mmsegRescaleSize(1367, 2048, [200, 2048]), [200, 300]);
  t.throws(() => mmsegRescaleSize(0, 10, [2048, 200]), /mmsegRescaleSize: h must be positive/);
});

t.test('resizeLinearU8: values computed by hand', async (t) => {
  // 2x1 -> 4x1: sources at x = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1); weights 1536/512 of 2048.
  // H: 100*512 = 51200; V (weight 2048 on one row): ((51200>>4)*2048 >> 16) = 100, (100+2)>>2 = 25.
  const row = resizeLinearU8({ width: 2, height: 1, data: Uint8Array.from([0, 0, 0, 100, 100, 100]) }, 4, 1);
  t.same(Array.from(row.data.filter((_, i) => i % 3 === 0)), [0, 25, 75, 100], '2x1 -> 4x1');
  // The same along y: rows -0.25 (both taps on row 0), 0.25, 0.75, 1.25 (both taps on row 1).
  const col = resizeLinearU8(column([0, 100]), 1, 4);
  t.same(Array.from(col.data.filter((_, i) => i % 3 === 0)), [0, 25, 75, 100], '1x2 -> 1x4');
  // 7 rows -> 3: output row 2 samples y = 2.5*7/3 - 0.5 = 5.333 -> rows 5, 6 with weights 1365, 683.
  // OpenCV truncates: (3*2048 >> 4)*1365 >> 16 = 7, (2*2048 >> 4)*683 >> 16 = 2, (7+2+2) >> 2 = 2,
  // although the exact value (1365*3 + 683*2)/2048 = 2.667 would round to 3 (cv2 4.6 gives 2).
  const down = resizeLinearU8(column([0, 0, 0, 0, 0, 3, 2]), 1, 3);
  t.same(Array.from(down.data.filter((_, i) => i % 3 === 0)), [0, 0, 2], '1x7 -> 1x3 keeps OpenCV truncation');
  // Same size is a copy.
  const img = randomImage(9, 4, 5);
  t.same(resizeLinearU8(img, 9, 4).data, img.data, 'identity size');
});

t.test('resizeLinearU8 is bit-exact against cv2.resize 4.6 (stored outputs)', async (t) => {
  const golden = JSON.parse(readFileSync(path.join(here, 'fixtures', 'opencv-resize.json'), 'utf8')) as {
    cases: { w: number; h: number; ow: number; oh: number; seed: number; input_sum: number; out_b64: string }[];
  };
  let total = 0;
  for (const c of golden.cases) {
    const img = randomImage(c.w, c.h, c.seed);
    t.equal(img.data.reduce((a, b) => a + b, 0), c.input_sum, `${c.w}x${c.h} seed ${c.seed}: same input as the generator`);
    const want = Buffer.from(c.out_b64, 'base64');
    const got = resizeLinearU8(img, c.ow, c.oh).data;
    let differ = 0;
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) differ++;
    t.equal(differ, 0, `${c.w}x${c.h} -> ${c.ow}x${c.oh}: ${differ} of ${want.length} values differ from OpenCV`);
    total += want.length;
  }
  t.ok(total > 15000, `${total} values compared`);
});

t.test('resizeLinearU8 is within 1 of the float64 rule (up, down, odd, 1-pixel)', async (t) => {
  // Error budget: 11-bit weights (<= 255 * 2^-12 per pass), the vertical pass's truncations (>>4 and two >>16,
  // < 0.51 of a level together) and the final rounding (0.5): just over 1 in the worst case, ~0.8 in practice.
  const sizes: [number, number, number, number][] = [
    [1, 1, 7, 5], [1, 9, 1, 4], [9, 1, 4, 1], [1, 13, 6, 29], [2, 2, 3, 3], [17, 11, 5, 3], [5, 3, 17, 11],
    [64, 48, 32, 24], [40, 30, 81, 61], [101, 67, 31, 97], [300, 200, 37, 23], [37, 23, 300, 200], [257, 3, 256, 4],
  ];
  let worst = 0;
  for (const [k, [w, h, ow, oh]] of sizes.entries()) {
    const img = randomImage(w, h, 50 + k);
    const fixed = resizeLinearU8(img, ow, oh).data;
    const ref = resizeLinearU8Float(img, ow, oh);
    let m = 0;
    for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(fixed[i] - ref[i]));
    t.ok(m <= 1, `${w}x${h} -> ${ow}x${oh}: max |fixed - float| ${m.toFixed(3)}`);
    worst = Math.max(worst, m);
  }
  t.comment(`worst |fixed - float| over all sizes: ${worst.toFixed(3)}`);
});

t.test('resize rejects bad sizes and inconsistent images', async (t) => {
  const img = randomImage(3, 2, 1);
  t.throws(() => resizeLinearU8(img, 0, 5), /resizeLinearU8 output \(input 3x2\): size must be positive integers, got 0x5/);
  t.throws(() => resizeLinearU8(img, 2.5, 5), /got 2.5x5/);
  t.throws(() => resizeLinearU8({ width: 3, height: 2, data: new Uint8Array(17) }, 4, 4), /image data has 17 bytes, expected 3\*3\*2 = 18/);
});
