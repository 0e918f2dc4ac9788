// Issue 14 item 7: the full-resolution stages run in bands of rows, so photos far above the binding limit
// (24 and 48 MP here, on the software GPU with the tiny model) segment; banding never changes a number.
import t from 'tap';
import { ClearCLIP, newRgbImage, slideInference } from 'clearclip';
import { requireShared } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/assert.js';
import { testDevice } from '../helpers/device.js';
import { QUERY_CLASS, slideFixture } from './helpers/slide-fixture.js';

const same = (a: ArrayLike<number> & { buffer: ArrayBufferLike }, b: ArrayLike<number> & { buffer: ArrayBufferLike }) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

t.test('row bands give the same prediction, probabilities and logits bit for bit', async (t) => {
  const f = await slideFixture(t);
  if (!f) return;
  const { clip, block, input, H, W, queries: q } = f;
  const [oH, oW] = [1000, 1500];
  const run = (maxChunkBytes: number) =>
    slideInference(clip, block, input, [H, W], q, QUERY_CLASS, { crop: 224, stride: 112, logitScale: 50, probThd: 0, outputSize: [oH, oW], logits: true, maxChunkBytes });
  // 12e6 bytes: one band of 1000 rows, 2 queries per chunk; 1.6e6: bands of 133 rows, the same chunks.
  const one = await run(12e6);
  const banded = await run(1.6e6);
  t.ok(same(banded.pred, one.pred), 'pred identical');
  t.ok(same(banded.probs!, one.probs!), 'probs identical');
  t.ok(same(banded.logits!, one.logits!), 'logits identical');
  t.ok(new Set(one.pred).size >= 3, `prediction uses ${new Set(one.pred).size} classes`);

  // Whole-image mode (crop 0) merges straight to the output size; in bands it resizes the [Q, gh, gw] logits with
  // resizeBilinear instead: the same bilinear map, so the same result to rounding.
  const wholeRun = (maxChunkBytes: number) =>
    slideInference(clip, block, input, [H, W], q, QUERY_CLASS, { crop: 0, stride: 0, logitScale: 50, probThd: 0, outputSize: [oH, oW], logits: true, maxChunkBytes });
  const merged = await wholeRun(12e6);
  const wholeBanded = await wholeRun(1.6e6);
  assertClose(t, wholeBanded.logits!, merged.logits!, { atol: 1e-6 }, 'whole image: banded logits');
  let differ = 0;
  for (let i = 0; i < merged.pred.length; i++) if (merged.pred[i] !== wholeBanded.pred[i]) differ++;
  t.ok(differ <= merged.pred.length * 1e-4, `whole image: ${differ} pixels differ (ties at rounding level at most)`);
});

t.test('24 MP and 48 MP photos segment on the software GPU', async (t) => {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  if (!dir || !vocab) return;
  const seg = await ClearCLIP.load({ weights: dir, vocab, device: await testDevice(), cacheDir: null });
  t.teardown(() => seg.dispose());
  const limit = seg.device.limits.maxStorageBufferBindingSize;
  for (const [w, h] of [[6000, 4000], [8000, 6000]]) {
    const img = newRgbImage(w, h);
    // Left half reddish, right half greenish, with texture: more than one class in the answer.
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = 3 * (y * w + x);
        const v = ((x >> 5) ^ (y >> 5)) & 63;
        img.data[i] = x < w / 2 ? 180 + v : v;
        img.data[i + 1] = x < w / 2 ? v : 160 + v;
        img.data[i + 2] = (y * 255) / h;
      }
    }
    t.ok(8 * w * h > limit, `${w}x${h}: [2, pixels] f32 statistics (${8 * w * h} bytes) exceed the binding limit (${limit})`);
    const r = await seg.segment(img, 'red,green', { scale: [2048, 64], crop: 0, probs: w * h <= 24e6 });
    t.same([r.width, r.height, r.pred.length], [w, h, w * h], `${(w * h) / 1e6} MP: full-size prediction`);
    let bad = 0;
    for (let i = 0; i < r.pred.length; i++) if (r.pred[i] < 0 || r.pred[i] > 1) bad++;
    t.equal(bad, 0, 'every pixel has a class');
    if (r.probs) {
      // Probabilities of a pixel sum to 1 (sampled).
      let worst = 0;
      for (let i = 0; i < w * h; i += 9973) worst = Math.max(worst, Math.abs(r.probs[i] + r.probs[w * h + i] - 1));
      t.ok(worst < 1e-5, `probabilities sum to 1 (worst ${worst})`);
    }
  }
});
