import t from 'tap';
import { patchEmbed, roundToF16 } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';

// Each output is a K = C*p*p term dot product (K <= 768) of pixels in [-1, 1] and weights in [-0.05, 0.05], so
// |out| <~ 3 and the sum of |terms| is <= ~38. f32 accumulation error is <= K * 2^-24 * sum|terms| in the worst
// case, ~1e-5 in practice: atol 3e-5. f16: inputs are exact f16 values (also in the reference), the f32 sum adds
// the same ~1e-5, and the output is rounded once to f16 (half an ulp: 2^-11 relative): atol 3e-5 + rtol 6e-4.
const tol = { f32: { atol: 3e-5, rtol: 0 }, f16: { atol: 3e-5, rtol: 6e-4 } };

const cases: { B: number; C: number; H: number; W: number; p: number; D: number }[] = [
  { B: 1, C: 1, H: 1, W: 1, p: 1, D: 1 },
  { B: 1, C: 3, H: 3, W: 5, p: 1, D: 7 },
  { B: 2, C: 3, H: 42, W: 28, p: 14, D: 70 }, // p not a power of two, D and M off the 64-wide tiles
  { B: 1, C: 2, H: 10, W: 15, p: 5, D: 65 },
  { B: 3, C: 3, H: 32, W: 48, p: 16, D: 130 },
  { B: 1, C: 3, H: 224, W: 224, p: 16, D: 768 }, // ViT-B/16: 196 tokens, K = 768
];

t.test('patchEmbed matches a float64 direct convolution', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    for (const [k, c] of cases.entries()) {
      const K = c.C * c.p * c.p;
      let img = uniform(c.B * c.C * c.H * c.W, 700 + k, -1, 1);
      let w = uniform(c.D * K, 800 + k, -0.05, 0.05);
      if (dtype === 'f16') [img, w] = [roundToF16(img), roundToF16(w)];
      const tokens = (c.H / c.p) * (c.W / c.p);
      const out = patchEmbed(dev.tensor(img, [c.B, c.C, c.H, c.W], dtype), dev.tensor(w, [c.D, c.C, c.p, c.p], dtype), c.p);
      t.same([out.shape, out.dtype], [[c.B, tokens, c.D], dtype], `${dtype} ${c.B}x${c.C}x${c.H}x${c.W} p${c.p}: shape`);
      const want = reference.patchEmbedRef(img, [c.B, c.C, c.H, c.W], w, c.D, c.p);
      assertClose(t, await out.read(), want, { ...tol[dtype], shape: out.shape }, `patchEmbed ${dtype} [${c.B}, ${c.C}, ${c.H}, ${c.W}] p ${c.p} -> D ${c.D}`);
    }
  }
});

t.test('patchEmbed: f16 image with an f32 weight', async (t) => {
  const dev = await testDevice();
  if (!dev.hasF16) return t.plan(0, 'adapter lacks shader-f16');
  const img = roundToF16(uniform(3 * 28 * 42, 1, -1, 1));
  const w = uniform(20 * 3 * 14 * 14, 2, -0.05, 0.05);
  const out = patchEmbed(dev.tensor(img, [1, 3, 28, 42], 'f16'), dev.tensor(w, [20, 3, 14, 14]), 14);
  assertClose(t, await out.read(), reference.patchEmbedRef(img, [1, 3, 28, 42], w, 20, 14), { ...tol.f16, shape: out.shape }, 'mixed dtypes');
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
  assertClose(t, got, reference.patchEmbedRef(img, [1, 3, 448, 448], w, 768, 16), { ...tol.f32, shape: out.shape }, `[1, 784, 768] in ${ms.toFixed(0)} ms with read-back (${(gflop / (ms / 1e3)).toFixed(1)} GFLOP/s) on ${dev.describe()}`);
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
