import { patchEmbed } from '../ops/patch-embed.js';
import { patchEmbedRef } from '../reference/patch-embed.js';
import type { DType } from '../dtype.js';
import { FLOAT_DTYPES, hostInput } from './data.js';
import type { OpCase } from './types.js';

// Each output is a K = C*p*p term dot product (K <= 768) of pixels in [-1, 1] and weights in [-0.05, 0.05], so
// |out| <~ 3 and the sum of |terms| is <= ~38. f32 accumulation error is <= K * 2^-24 * sum|terms| in the worst
// case, ~1e-5 in practice: atol 3e-5. f16: inputs are exact f16 values (also in the reference), the f32 sum adds
// the same ~1e-5, and the output is rounded once to f16 (half an ulp: 2^-11 relative): atol 3e-5 + rtol 6e-4.
export const patchEmbedTolerance = (dtype: DType) => (dtype === 'f16' ? { atol: 3e-5, rtol: 6e-4 } : { atol: 3e-5, rtol: 0 });

interface PatchEmbedShape {
  B: number;
  C: number;
  H: number;
  W: number;
  p: number;
  D: number;
}

function patchEmbedCase(c: PatchEmbedShape, k: number): OpCase {
  const tokens = (c.H / c.p) * (c.W / c.p);
  return {
    op: 'patchEmbed',
    label: `[${c.B}, ${c.C}, ${c.H}, ${c.W}] p ${c.p} -> D ${c.D}`,
    purpose: 'test',
    params: { patch: c.p },
    dtypes: FLOAT_DTYPES,
    setup(dtype, seed = 700 + k) {
      const img = hostInput('image', [c.B, c.C, c.H, c.W], dtype, seed, -1, 1);
      const w = hostInput('weight', [c.D, c.C, c.p, c.p], dtype, seed + 100, -0.05, 0.05);
      return {
        inputs: [img, w],
        outShape: [c.B, tokens, c.D],
        run: ([ti, tw]) => patchEmbed(ti, tw, c.p),
        reference: () => ({ expected: patchEmbedRef(img.data, [c.B, c.C, c.H, c.W], w.data, c.D, c.p), ...patchEmbedTolerance(dtype) }),
      };
    },
  };
}

export const patchEmbedCases: OpCase[] = [
  { B: 1, C: 1, H: 1, W: 1, p: 1, D: 1 },
  { B: 1, C: 3, H: 3, W: 5, p: 1, D: 7 },
  { B: 2, C: 3, H: 42, W: 28, p: 14, D: 70 }, // p not a power of two, D and M off the 64-wide tiles
  { B: 1, C: 2, H: 10, W: 15, p: 5, D: 65 },
  { B: 3, C: 3, H: 32, W: 48, p: 16, D: 130 },
  { B: 1, C: 3, H: 224, W: 224, p: 16, D: 768 }, // ViT-B/16: 196 tokens, K = 768
].map(patchEmbedCase);
