import t from 'tap';
import type { GpuDevice } from '@clearclip/tensor';
import { classRanges, segAccumulate, segProbs, type SegState } from 'clearclip';
import * as reference from 'clearclip/reference';
import { testDevice } from '../helpers/device.js';
import { assertClose } from '../helpers/assert.js';
import { rng } from '../helpers/random.js';

// Probabilities: the kernels take exp() of scaled logits in f32. WGSL allows exp an error of 3 + 2|x| ULP; with
// |x| <= 2 * 50 * 0.25 = 25 here that is ~53 ULP of the result (~3e-6 relative), plus the running-sum rescaling
// across chunks. Probabilities are <= 1, so atol 1e-5 covers the spec's worst case; measured errors are ~1e-7.
const PROB_ATOL = 1e-5;
const SCALE = 50;

/**
 * Logits on a 1/128 grid in [-0.25, 0.25]: exact in f32 and after scaling by 50, so the kernels and the float64
 * reference compare the very same numbers; with only 65 levels exact ties between classes are frequent.
 */
function gridLogits(q: number, n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: q * n }, () => Math.round((r() - 0.5) * 64) / 128);
}

/** The pipeline of slideInference: segAccumulate over query chunks of whole classes, then segProbs per chunk. */
async function chunked(dev: GpuDevice, logits: Float32Array, queryClass: number[], h: number, w: number, cuts: number[], thd: number) {
  const n = h * w;
  const bounds = [0, ...cuts, queryClass.length];
  const C = Math.max(...queryClass) + 1;
  let state: SegState | null = null;
  const tensors = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const [s, e] = [bounds[k], bounds[k + 1]];
    const l = dev.tensor(logits.subarray(s * n, e * n), [e - s, h, w], 'f32', 'logits');
    tensors.push({ l, s, e });
    state = segAccumulate(l, queryClass.slice(s, e), state, k === 0, k + 2 === bounds.length, SCALE, thd);
  }
  const pred = (await state!.best.read()) as Int32Array;
  const probs = new Float32Array(C * n);
  for (const { l, s, e } of tensors) {
    const ranges = classRanges(queryClass.slice(s, e).map((c) => c - queryClass[s]));
    const p = segProbs(l, ranges, state!, SCALE);
    probs.set(await p.readFloat(), queryClass[s] * n);
    p.dispose();
    l.dispose();
  }
  state!.stats.dispose();
  state!.best.dispose();
  return { pred, probs };
}

function countDiff(a: ArrayLike<number>, b: ArrayLike<number>): string {
  let n = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) { n++; if (first < 0) first = i; }
  return n === 0 ? 'identical' : `${n} differ, first at ${first}: ${a[first]} vs ${b[first]}`;
}

// 6 classes, synonyms on classes 1 (3 queries) and 4 (2 queries): Q = 9. 37 x 29 = 1073 pixels (not a multiple of 256).
const QUERY_CLASS = [0, 1, 1, 1, 2, 3, 4, 4, 5];
const H = 37;
const W = 29;

t.test('chunked accumulation over 1, 2 and 3 chunks of whole classes equals the unchunked reference', async (t) => {
  const dev = await testDevice();
  const logits = gridLogits(QUERY_CLASS.length, H * W, 11);
  const unthresholded = reference.segPostprocessRef(logits, QUERY_CLASS, H * W, SCALE, 0).pred;
  for (const thd of [0, 0.7]) {
    const ref = reference.segPostprocessRef(logits, QUERY_CLASS, H * W, SCALE, thd);
    // Cuts between classes: none; after class 1 (a synonym group ends at query 4); after classes 1 and 3.
    for (const cuts of [[], [4], [4, 6]]) {
      const got = await chunked(dev, logits, QUERY_CLASS, H, W, cuts, thd);
      const what = `${cuts.length + 1} chunk(s), prob_thd ${thd}`;
      t.equal(countDiff(got.pred, ref.pred), 'identical', `${what}: pred`);
      assertClose(t, got.probs, ref.probs, { atol: PROB_ATOL, shape: [6, H, W] }, `${what}: probs`);
    }
    // The test data must exercise what it claims: exact cross-class ties at the maximum, and (for 0.7) thresholding.
    if (thd > 0) {
      const zeroed = ref.pred.filter((c, i) => c !== unthresholded[i]).length;
      t.ok(zeroed > 20 && zeroed < H * W - 20, `${zeroed} pixels thresholded to class 0`);
    }
  }
  let ties = 0;
  for (let i = 0; i < H * W; i++) {
    const v = QUERY_CLASS.map((_, q) => logits[q * H * W + i]);
    const m = Math.max(...v);
    if (new Set(QUERY_CLASS.filter((_, q) => v[q] === m)).size > 1) ties++;
  }
  t.ok(ties > 20, `${ties} pixels with an exact tie between classes at the maximum`);
});

t.test('synonyms: a class scores the max over its queries', async (t) => {
  const dev = await testDevice();
  // One pixel, classes 0 (q0), 1 (q1, q2). q2 is the largest logit -> class 1 with probability e^(50*0.2) / S.
  const logits = Float32Array.from([0.1, -0.2, 0.2]);
  const got = await chunked(dev, logits, [0, 1, 1], 1, 1, [], 0);
  const e = [0.1, -0.2, 0.2].map((l) => Math.exp(SCALE * (l - 0.2)));
  const S = e[0] + e[1] + e[2];
  t.same(Array.from(got.pred), [1]);
  assertClose(t, got.probs, [e[0] / S, Math.max(e[1], e[2]) / S], { atol: PROB_ATOL }, 'class probs = max of synonym probs');
});

t.test('ties: the first class reaching the maximum wins, within a chunk and across chunks', async (t) => {
  const dev = await testDevice();
  // 4 pixels x 4 classes (one query each), each pixel with an exact tie built in:
  //   p0: classes 1 and 3 tie at 0.2           -> 1
  //   p1: classes 2 and 3 tie at 0.1           -> 2
  //   p2: all four tie at 0                    -> 0
  //   p3: classes 0 and 3 tie, class 1 lower   -> 0
  const byClass = [
    [-0.1, -0.1, 0, 0.05],
    [0.2, -0.1, 0, 0],
    [0, 0.1, 0, -0.1],
    [0.2, 0.1, 0, 0.05],
  ];
  const logits = Float32Array.from(byClass.flat());
  const expected = [1, 2, 0, 0];
  for (const cuts of [[], [2], [1, 3], [1, 2, 3]]) {
    const got = await chunked(dev, logits, [0, 1, 2, 3], 1, 4, cuts, 0);
    t.same(Array.from(got.pred), expected, `cuts [${cuts}]`);
  }
  t.same(Array.from(reference.segPostprocessRef(logits, [0, 1, 2, 3], 4, SCALE, 0).pred), expected, 'reference agrees');
});

t.test('prob_thd: pixels whose best probability is strictly below it become class 0', async (t) => {
  const dev = await testDevice();
  // exp(50 * -3) is 0 in f32 and negligible next to 1 in float64, so the best probabilities are exactly
  // p0: 1/2 (classes 1 and 2 tie), p1: 1 (class 3 alone), p2: 1/3 (classes 1, 2, 3 tie).
  const lo = -3;
  const byClass = [
    [lo, lo, lo],
    [0, lo, 0],
    [0, lo, 0],
    [lo, 0, 0],
  ];
  const logits = Float32Array.from(byClass.flat());
  const cases: [number, number[]][] = [
    [0, [1, 3, 1]],
    [0.3, [1, 3, 1]],
    [0.5, [1, 3, 0]], // 0.5 is not below 0.5
    [0.5001, [0, 3, 0]],
    [1, [0, 3, 0]], // probability 1 survives any threshold up to 1
    [1.0001, [0, 0, 0]],
  ];
  for (const [thd, want] of cases) {
    for (const cuts of [[], [2]]) {
      const got = await chunked(dev, logits, [0, 1, 2, 3], 1, 3, cuts, thd);
      t.same(Array.from(got.pred), want, `prob_thd ${thd}, cuts [${cuts}]`);
    }
    t.same(Array.from(reference.segPostprocessRef(logits, [0, 1, 2, 3], 3, SCALE, Math.fround(thd)).pred), want, `reference, prob_thd ${thd}`);
  }
});

t.test('classRanges: contiguous classes in order; errors otherwise', async (t) => {
  t.same(classRanges([0, 0, 1, 2, 2, 2]), [[0, 2], [2, 3], [3, 6]]);
  t.same(classRanges([0]), [[0, 1]]);
  t.throws(() => classRanges([0, 1, 0]), /class ranges: query 2 has class 0; classes must appear in order with contiguous queries/);
  t.throws(() => classRanges([1, 1]), /query 0 has class 1/);
  t.throws(() => classRanges([0, 2]), /query 1 has class 2/);
  t.throws(() => classRanges([]), /class ranges: no queries/);
});

t.test('segAccumulate argument errors', async (t) => {
  const dev = await testDevice();
  const l = dev.tensor(new Float32Array(2 * 6), [2, 2, 3], 'f32');
  t.throws(() => segAccumulate(l, [0], null, true, true, SCALE, 0), /segAccumulate: logits \[2, 2, 3\] do not hold 1 queries/);
  const h = dev.tensor(new Float32Array(2 * 6), [2, 2, 3], 'f16');
  t.throws(() => segAccumulate(h, [0, 1], null, true, true, SCALE, 0), /segAccumulate: logits must be f32, got f16/);
  const s = segAccumulate(l, [0, 1], null, true, false, SCALE, 0);
  const other = dev.tensor(new Float32Array(2 * 4), [2, 2, 2], 'f32');
  t.throws(() => segAccumulate(other, [0, 1], s, false, true, SCALE, 0), /segAccumulate: state is for 6 pixels, logits have 4/);
  for (const x of [l, h, other, s.stats, s.best]) x.dispose();
});
