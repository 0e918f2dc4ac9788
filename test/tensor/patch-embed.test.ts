import t from 'tap';
import { patchEmbed, roundToF16 } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';
import { checkOpCases } from '../helpers/op-cases.js';
import { patchEmbedCases, patchEmbedTolerance } from '@clearclip/tensor/op-cases';

t.test('patchEmbed matches a float64 direct convolution (the op case table)', (t) => checkOpCases(t, patchEmbedCases));

t.test('patchEmbed: f16 image with an f32 weight', async (t) => {
  const dev = await testDevice();
  if (!dev.hasF16) return t.plan(0, 'adapter lacks shader-f16');
  const img = roundToF16(uniform(3 * 28 * 42, 1, -1, 1));
  const w = uniform(20 * 3 * 14 * 14, 2, -0.05, 0.05);
  const out = patchEmbed(dev.tensor(img, [1, 3, 28, 42], 'f16'), dev.tensor(w, [20, 3, 14, 14]), 14);
  assertClose(t, await out.read(), reference.patchEmbedRef(img, [1, 3, 28, 42], w, 20, 14), { ...patchEmbedTolerance('f16'), shape: out.shape }, 'mixed dtypes');
});

t.test('patchEmbed at ViT-B/16 on a 448 x 448 image (784 tokens): f32 timing', async (t) => {
  const dev = await testDevice();
  const img = uniform(3 * 448 * 448, 3, -1, 1);
  const w = uniform(768 * 768, 4, -0.05, 0.05);
  const it = dev.tensor(img, [1, 3, 448, 448]);
  const wt = dev.tensor(w, [768, 3, 16, 16]);
  await patchEmbed(it, wt, 16).read(); // compile and warm up
  const t0 = performance.now();
  const out = patchEmbed(it, wt, 16);
  const got = await out.read();
  const ms = performance.now() - t0;
  const gflop = (2 * 784 * 768 * 768) / 1e9;
  assertClose(t, got, reference.patchEmbedRef(img, [1, 3, 448, 448], w, 768, 16), { ...patchEmbedTolerance('f32'), shape: out.shape }, `[1, 784, 768] in ${ms.toFixed(0)} ms with read-back (${(gflop / (ms / 1e3)).toFixed(1)} GFLOP/s) on ${dev.describe()}`);
});

t.test('patchEmbed rejects mismatched shapes with all shapes named', async (t) => {
  const dev = await testDevice();
  const img = dev.tensor(new Float32Array(3 * 30 * 28), [1, 3, 30, 28]);
  const w = dev.tensor(new Float32Array(4 * 3 * 14 * 14), [4, 3, 14, 14]);
  t.throws(() => patchEmbed(img, w, 14), /patchEmbed\(image \[1, 3, 30, 28\], weight \[4, 3, 14, 14\], patch 14\): image height 30 and width 28 must be multiples of the patch size 14/);
  const img2 = dev.tensor(new Float32Array(3 * 28 * 28), [1, 3, 28, 28]);
  t.throws(() => patchEmbed(img2, dev.tensor(new Float32Array(4 * 1 * 14 * 14), [4, 1, 14, 14]), 14), /weight has 1 input channels, image has 3/);
  t.throws(() => patchEmbed(img2, w, 7), /weight kernel is 14x14, not 7x7/);
  t.throws(() => patchEmbed(img2.reshape([3, 28, 28]), w, 14), /image must be \[B, C, H, W\]/);
  t.throws(() => patchEmbed(img2, w, 0), /patch must be a positive integer/);
});

t.test('patchEmbed frees its unfolded rows and casts: outside any scope only the output stays live', async (t) => {
  const dev = await testDevice();
  const mixed = dev.hasF16 ? [['f16', 'f32'], ['f32', 'f16']] : [];
  for (const [it, wt] of [['f32', 'f32'], ...mixed] as ['f32' | 'f16', 'f32' | 'f16'][]) {
    const img = dev.tensor(uniform(3 * 28 * 42, 5), [1, 3, 28, 42], it);
    const w = dev.tensor(uniform(20 * 3 * 14 * 14, 6), [20, 3, 14, 14], wt);
    const before = dev.stats().pool.liveBytes;
    const out = patchEmbed(img, w, 14);
    t.equal(out.dtype, it, 'the output has the image dtype');
    out.dispose();
    t.equal(dev.stats().pool.liveBytes, before, `${it} image, ${wt} weight: nothing but the output was left live`);
    img.dispose();
    w.dispose();
  }
});
