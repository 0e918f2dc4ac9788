import t from 'tap';
import { slideInference, type SlideOptions } from 'clearclip';
import { assertClose } from '../helpers/assert.js';
import { QUERY_CLASS, slideFixture } from './helpers/slide-fixture.js';

// Large class sets at full resolution exceed the binding limit, so slideInference splits the queries into chunks of
// whole classes. Forced here with maxChunkBytes on the fixture's 200x300 image: the result must not depend on it.
// 7 queries, synonyms on classes 1 and 3 (QUERY_CLASS).

t.test('query chunking: 1, 3 and 5 chunks give the same prediction, probabilities and logits', async (t) => {
  const f = await slideFixture(t);
  if (!f) return;
  const { clip, block, input, H, W, queries: q } = f;

  for (const outputSize of [undefined, [150, 331] as [number, number]]) {
    const [oH, oW] = outputSize ?? [H, W];
    const opts: SlideOptions = { crop: 224, stride: 112, logitScale: 50, probThd: 0, outputSize, logits: true };
    const run = (maxQueries?: number) =>
      slideInference(clip, block, input, [H, W], q, QUERY_CLASS, { ...opts, maxChunkBytes: maxQueries && maxQueries * 4 * Math.max(H * W, oH * oW) });
    const whole = await run();
    t.same([whole.height, whole.width], [oH, oW]);
    // Greedy packing of whole classes (query ranges [0,1) [1,3) [3,4) [4,6) [6,7)): 3 queries per chunk ->
    // {0,1} {2,3} {4}; 2 per chunk -> every class alone.
    for (const [maxQ, chunks] of [[3, 3], [2, 5]]) {
      const what = `${chunks} chunks, output ${oH}x${oW}`;
      const r = await run(maxQ);
      // The same numbers reach each step (a chunk's logits are the rows of the full logits), so the logits
      // match to rounding and the prediction exactly; probabilities carry the rescaled running softmax sum
      // (a few f32 ulps of values <= 1).
      assertClose(t, r.logits!, whole.logits!, { atol: 1e-6 }, `${what}: logits`);
      let differ = 0;
      for (let i = 0; i < r.pred.length; i++) if (r.pred[i] !== whole.pred[i]) differ++;
      t.equal(differ, 0, `${what}: pred identical`);
      assertClose(t, r.probs!, whole.probs!, { atol: 2e-6 }, `${what}: probs`);
    }
    t.ok(new Set(whole.pred).size >= 3, `prediction uses ${new Set(whole.pred).size} classes`);
  }
  await t.rejects(
    slideInference(clip, block, input, [H, W], q, QUERY_CLASS, { crop: 224, stride: 112, logitScale: 50, probThd: 0, maxChunkBytes: 4 * H * W }),
    /a class with 2 synonyms does not fit the device's binding limit at 60000 pixels/,
  );
});
