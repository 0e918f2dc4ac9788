import t from 'tap';
import path from 'node:path';
import { tolerances } from '../../packages/clearclip/src/parity/tolerances.js';
import { readF32, requireShared } from '../helpers/fixtures.js';
import { relativeError } from '../helpers/compare.js';


t.test('a class swap cannot pass the probability tolerance, f32 or f16', async (t) => {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  if (!dir) return;
  const { shape, data } = await readF32(path.join(dir, 'reference.safetensors'), 'seg.probs');
  const [C, H, W] = shape;
  const plane = H * W;
  for (let a = 0; a < C; a++) {
    for (let b = a + 1; b < C; b++) {
      const swapped = data.slice();
      swapped.set(data.subarray(b * plane, (b + 1) * plane), a * plane);
      swapped.set(data.subarray(a * plane, (a + 1) * plane), b * plane);
      const err = relativeError(swapped, data);
      for (const dtype of ['f32', 'f16'] as const) {
        t.ok(err > tolerances(dtype).probs, `classes ${a} <-> ${b}: error ${err.toExponential(2)} fails the ${dtype} tolerance ${tolerances(dtype).probs}`);
      }
    }
  }
});

t.test('near-tie count for f16 predictions: pixels whose best two classes are closer than the gap', async (t) => {
  const { countNearTies } = await import('../../packages/clearclip/src/parity/run.js');
  // 3 classes x 4 pixels, class-major: gaps 0.5, 0.01, 0 (a tie), 0.3.
  const probs = Float32Array.from([0.7, 0.45, 0.4, 0.6, 0.2, 0.44, 0.4, 0.3, 0.1, 0.11, 0.2, 0.1]);
  t.equal(countNearTies(probs, 3, 4, 0.02), 2, 'the 0.01 gap and the exact tie');
  t.equal(countNearTies(probs, 3, 4, 0.4), 3, 'and the 0.3 gap');
  t.equal(countNearTies(probs, 3, 4, 0), 0, 'no gap is below 0');
});
