import t from 'tap';
import { attention, roundToF16 } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';

// Outputs are convex combinations of v in [-1, 1], so errors are absolute. f32: a score is a dot of hd <= 64 terms of
// |scale q k| <= 0.125, rounded with error <= hd * 2^-24 * sum|terms| ~ 3e-5 at worst (random signs: far less); exp is
// within 3 + 2|arg| ulp for |arg| <= 16; the weights' relative errors carry into the sum over v: atol 5e-5. f16: inputs
// are exact f16 values, arithmetic is f32, and the one f16 rounding of the result (half an ulp of values below 1:
// 2^-12) dominates: atol 1e-3.
const tol = { f32: { atol: 5e-5, rtol: 0 }, f16: { atol: 1e-3, rtol: 0 } };

interface Case {
  B: number;
  H: number;
  L: number;
  S?: number;
  hd: number;
  causal?: boolean;
  /** q attends to itself (ClearCLIP's q-q): k is the q view. */
  qq?: boolean;
}

const cases: Case[] = [
  { B: 1, H: 1, L: 1, hd: 8 },
  { B: 2, H: 3, L: 37, hd: 16 },
  { B: 2, H: 2, L: 70, hd: 64 }, // more rows than a workgroup, keys not a multiple of the tile
  { B: 1, H: 4, L: 33, hd: 24, qq: true },
  { B: 3, H: 2, L: 13, hd: 32, causal: true },
  { B: 2, H: 2, L: 5, S: 12, hd: 16, causal: true }, // five queries after a cached prefix of seven keys
  { B: 1, H: 2, L: 1, S: 17, hd: 8, causal: true },
  { B: 1, H: 2, L: 100, hd: 8, causal: true },
  { B: 2, H: 3, L: 19, hd: 6 }, // head size not a multiple of 4: only the tiled kernel can read it
];

t.test('fused attention (both kernels) matches the float64 reference on awkward shapes, read through fused-projection views', async (t) => {
  const dev = await testDevice();
  for (const variant of ['tiled', 'lane', undefined] as const) for (const dtype of await floatDtypes()) {
    for (const [n, c] of cases.entries()) {
      const S = c.S ?? c.L;
      const W = c.H * c.hd;
      // q in [B, L, W]; k | v side by side in [B, S, 2W] (as a fused projection lays them out).
      const round = (x: Float32Array) => (dtype === 'f16' ? roundToF16(x) : x);
      const qh = round(uniform(c.B * c.L * W, 10 + n));
      const kvh = round(uniform(c.B * S * 2 * W, 50 + n));
      const q = dev.tensor(qh, [c.B, c.L, W], dtype);
      const kv = dev.tensor(kvh, [c.B, S, 2 * W], dtype);
      const qv = { tensor: q, offset: 0, itemStride: c.L * W, headStride: c.hd, rowStride: W };
      const kview = c.qq ? qv : { tensor: kv, offset: 0, itemStride: S * 2 * W, headStride: c.hd, rowStride: 2 * W };
      const vview = { tensor: kv, offset: W, itemStride: S * 2 * W, headStride: c.hd, rowStride: 2 * W };
      const spec = { items: c.B, heads: c.H, L: c.L, S, headDim: c.hd, q: qv, k: kview, v: vview, causal: c.causal, variant };
      if (variant === 'lane' && c.hd % 4) {
        t.throws(() => attention(spec), /attention: the lane kernel reads k and v as vec4/, `lane refuses hd ${c.hd}`);
        q.dispose();
        kv.dispose();
        continue;
      }
      const got = await dev.scopeAsync(async () => attention(spec).readFloat());
      // Reference on dense per-(item, head) operands, then back to [B, L, W].
      const pick = (src: Float32Array, rows: number, stride: number, off: number, b: number, h: number) => {
        const o = new Float64Array(rows * c.hd);
        for (let r = 0; r < rows; r++) for (let d = 0; d < c.hd; d++) o[r * c.hd + d] = src[b * rows * stride + r * stride + off + h * c.hd + d];
        return o;
      };
      const want = new Float64Array(c.B * c.L * W);
      for (let b = 0; b < c.B; b++) {
        for (let h = 0; h < c.H; h++) {
          const qd = pick(qh, c.L, W, 0, b, h);
          const kd = c.qq ? qd : pick(kvh, S, 2 * W, 0, b, h);
          const vd = pick(kvh, S, 2 * W, W, b, h);
          const r = reference.attentionRef(qd, kd, vd, 1, c.L, S, c.hd, c.hd ** -0.5, c.causal);
          for (let i = 0; i < c.L; i++) for (let d = 0; d < c.hd; d++) want[(b * c.L + i) * W + h * c.hd + d] = r[i * c.hd + d];
        }
      }
      assertClose(t, got, want, { ...tol[dtype], shape: [c.B, c.L, W] }, `attention ${variant ?? 'default'} ${dtype} ${JSON.stringify(c)}`);
      q.dispose();
      kv.dispose();
    }
  }
});

t.test('fused attention rejects bad views and shapes with the op named', async (t) => {
  const dev = await testDevice();
  const x = dev.tensor(new Float32Array(2 * 3 * 8), [2, 3, 8]);
  const v = { tensor: x, offset: 0, itemStride: 24, headStride: 4, rowStride: 8 };
  t.throws(() => attention({ items: 3, heads: 2, L: 3, headDim: 4, q: v, k: v, v }), /attention: q view reaches element/);
  t.throws(() => attention({ items: 2, heads: 2, L: 3, S: 2, headDim: 4, q: v, k: v, v, causal: true }), /causal needs S >= L/);
  t.throws(() => attention({ items: 2, heads: 2, L: 0, headDim: 4, q: v, k: v, v }), /L must be a positive integer/);
});
