import t from 'tap';
import { slideGeometry, windowPlan, windowMerge, type WindowGeometry } from 'clearclip';
import * as reference from 'clearclip/reference';
import { testDevice } from '../helpers/device.js';
import { assertClose } from '../helpers/assert.js';
import { uniform } from '../helpers/random.js';

// Tolerance: each output is a mean over <= 9 covering windows of bilinear mixes of inputs in [-1, 1]; the kernel
// computes weights and sums in f32 (a few roundings of ~6e-8 relative each), the reference in float64. 2e-6
// leaves a margin of ~4x over the worst error measured (5.5e-7), far below any indexing mistake (~0.1 and up).
const ATOL = 2e-6;

interface Case {
  name: string;
  geo: WindowGeometry;
  Q: number;
  gh: number;
  gw: number;
  /** Windows per windowMerge call. */
  batches: number[];
}

const cases: Case[] = [
  {
    // 3 x 5 windows overlapping by 20 of 32 pixels, the last row/column shifted back; up to 9 windows per
    // pixel; 32 % 6 = 2 -> centred padding 2 + 2. 45 * 70 = 3150 pixels, Q * pixels = 22050 (not a multiple of 256).
    name: '45x70, crop 32, stride 12, patch 6, Q 7, one call',
    geo: slideGeometry(45, 70, 32, 12, 6),
    Q: 7,
    gh: 6,
    gw: 6,
    batches: [15],
  },
  {
    name: '45x70, crop 32, stride 12, patch 6, Q 7, batches 4 + 5 + 6',
    geo: slideGeometry(45, 70, 32, 12, 6),
    Q: 7,
    gh: 6,
    gw: 6,
    batches: [4, 5, 6],
  },
  {
    // Smaller than the crop vertically (20 % 6 = 2 -> pad top 2), 5 columns; single-window batches.
    name: '20x70, crop 32, stride 12, patch 6, Q 3, one window per call',
    geo: slideGeometry(20, 70, 32, 12, 6),
    Q: 3,
    gh: 4,
    gw: 6,
    batches: [1, 1, 1, 1, 1],
  },
  {
    // Low-res grid unrelated to the output size (upsampling factor not an integer), one query, whole-image mode.
    name: '17x23 whole image, grid 5x3, Q 1',
    geo: windowPlan(17, 23, [17, 23], 0, 0, 4).geometry,
    Q: 1,
    gh: 5,
    gw: 3,
    batches: [1],
  },
];

t.test('windowMerge vs the float64 reference', async (t) => {
  const dev = await testDevice();
  for (const c of cases) {
    const nWin = c.geo.boxes.length;
    t.equal(c.batches.reduce((a, b) => a + b, 0), nWin, `${c.name}: batches cover the ${nWin} windows`);
    const per = c.Q * c.gh * c.gw;
    const all = uniform(nWin * per, nWin * 31 + c.Q);
    const want = reference.windowMergeRef(all, c.Q, c.gh, c.gw, c.geo);
    let acc = null;
    let first = 0;
    for (const nb of c.batches) {
      const win = dev.tensor(all.subarray(first * per, (first + nb) * per), [nb, c.Q, c.gh, c.gw], 'f32', 'win');
      acc = windowMerge(win, c.geo, first, acc);
      win.dispose();
      first += nb;
    }
    const got = await acc!.readFloat();
    t.same(acc!.shape, [c.Q, c.geo.h, c.geo.w]);
    acc!.dispose();
    assertClose(t, got, want, { atol: ATOL, shape: [c.Q, c.geo.h, c.geo.w] }, c.name);
  }
});

t.test('a partial pass (not all batches) is not divided yet: batch sums only', async (t) => {
  // After the first of two batches the output holds sums of that batch's windows (no division by the cover count):
  // the reference with the other windows' logits set to zero, times the count.
  const dev = await testDevice();
  const geo = slideGeometry(20, 40, 24, 16, 8); // 2 columns at x 0 and 16
  const Q = 2;
  const per = Q * 3 * 3;
  const all = uniform(2 * per, 5);
  const firstOnly = Float32Array.from(all);
  firstOnly.fill(0, per);
  const mean = reference.windowMergeRef(firstOnly, Q, 3, 3, geo);
  const count = (x: number) => (x >= 16 && x < 24 ? 2 : 1);
  const want = mean.map((v, i) => v * count(i % geo.w));
  const win = dev.tensor(all.subarray(0, per), [1, Q, 3, 3], 'f32');
  const acc = windowMerge(win, geo, 0, null);
  assertClose(t, await acc.readFloat(), want, { atol: ATOL }, 'sums after batch 1 of 2');
  acc.dispose();
  win.dispose();
});

t.test('argument errors name windowMerge and the shapes', async (t) => {
  const dev = await testDevice();
  const geo = slideGeometry(20, 40, 24, 16, 8);
  const w1 = dev.tensor(new Float32Array(2 * 9), [1, 2, 3, 3], 'f32');
  const acc = windowMerge(w1, geo, 0, null);
  t.throws(() => windowMerge(w1, geo, 0, acc), /windowMerge: the first batch creates the output/);
  t.throws(() => windowMerge(w1, geo, 1, null), /windowMerge: accumulator missing is not \[2, 20, 40\]/);
  t.throws(() => windowMerge(w1, geo, 2, acc), /windowMerge: windows 2\.\.2 outside the 2 of the pass/);
  const w3 = dev.tensor(new Float32Array(3 * 9), [1, 3, 3, 3], 'f32');
  t.throws(() => windowMerge(w3, geo, 1, acc), /windowMerge: accumulator \[2, 20, 40\] is not \[3, 20, 40\]/);
  t.throws(() => windowMerge(w1.reshape([2, 3, 3]), geo, 0, null), /windowMerge: window logits must be \[nb, Q, gh, gw\], got \[2, 3, 3\]/);
  const h = dev.tensor(new Float32Array(18), [1, 2, 3, 3], 'f16');
  t.throws(() => windowMerge(h, geo, 0, null), /windowMerge: logits must be f32, got f16/);
  const bad = { ...geo, boxes: [...geo.boxes.slice(0, 1), { y1: 0, x1: 20, padTop: 0, padLeft: 0 }] };
  t.throws(() => windowMerge(w1, bad, 0, null), /windowMerge: window .* does not fit the image 20x40/);
  for (const x of [w1, w3, h, acc]) x.dispose();
});
