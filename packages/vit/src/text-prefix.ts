import { type Tensor, add, matmulStrided, permute, softmax } from '@clearclip/tensor';
import { type TextTransformer, eotRows } from './text.js';

/**
 * Prompt templates put the class name after a fixed prefix ("a bad photo of a"). Attention is causal, so the
 * prefix's activations, and with them its keys and values in every layer, do not depend on what follows. A
 * PrefixCache holds them for G prefixes of P tokens each; `encodeSuffixes` then runs only the remaining tokens of
 * each (prefix, class) row, attending over [cached prefix keys ; own keys]. Same function as running the whole
 * rows, in a different order of summation (within the parity tolerance, not bit for bit).
 */
export interface PrefixCache {
  /** Prefixes. */
  G: number;
  /** Tokens per prefix (all G have the same length; group prefixes by length). */
  P: number;
  /** Per block: the prefix's q|k|v in head layout [3, H, G, P, hd] (q unused). */
  heads: Tensor[];
  dispose(): void;
}

/** Run G prefixes of P tokens (positions 0..P-1) through every block, keeping each block's keys and values. */
export function encodePrefixes(text: TextTransformer, ids: ArrayLike<number>, G: number): PrefixCache {
  const P = ids.length / G;
  if (!Number.isInteger(P) || P < 1) throw new Error(`encodePrefixes: ${ids.length} ids do not split into ${G} prefixes`);
  const dev = text.blocks[0].w.ln1.weight.device;
  const H = text.blocks[0].heads;
  const W = text.cfg.text.width;
  const hd = W / H;
  const heads: Tensor[] = [];
  dev.scope(() => {
    let x = text.embed(ids, G);
    const mask = text.causalMask(P);
    text.blocks.forEach((blk, i) => {
      // The projection is recomputed inside forward(); prefixes are few tokens per template, shared by all classes.
      heads.push(dev.keep(permute(blk.qkv(x).reshape([G, P, 3, H, hd]), [2, 3, 0, 1, 4])));
      if (i < text.blocks.length - 1) {
        const y = blk.forward(x, mask);
        x.dispose();
        x = y;
      }
    });
  });
  return { G, P, heads, dispose: () => heads.forEach((h) => h.dispose()) };
}

/**
 * ids: [G, C, S] token ids: for each cached prefix g, C rows of S tokens that follow it (positions P..P+S-1; rows
 * may end in padding after their end-of-text token). Returns [G * C, E] unnormalised features, (g, c) order.
 */
export function encodeSuffixes(text: TextTransformer, prefix: PrefixCache, ids: ArrayLike<number>, C: number): Tensor {
  const { G, P } = prefix;
  const S = ids.length / (G * C);
  if (!Number.isInteger(S) || S < 1) throw new Error(`encodeSuffixes: ${ids.length} ids do not split into ${G} x ${C} rows`);
  if (P + S > text.cfg.text.contextLength) throw new Error(`encodeSuffixes: ${P} + ${S} tokens exceed the context length`);
  const dev = prefix.heads[0].device;
  const N = G * C;
  const pool = eotRows(ids, N);
  return dev.scope(() => {
    let x = text.embed(ids, N, P);
    const mask = text.causalMask(S, P);
    const last = text.blocks.length - 1;
    text.blocks.forEach((blk, i) => {
      const ctx = attendWithPrefix(blk.qkv(x), prefix.heads[i], { G, C, S, P, H: blk.heads }, mask);
      const y = i === last ? blk.outputRows(ctx, x, pool) : blk.output(ctx, x);
      x.dispose();
      x = y;
    });
    return text.project(x);
  });
}

interface PrefixDims {
  G: number;
  C: number;
  S: number;
  P: number;
  H: number;
}

/**
 * softmax(scale · q [kp ; ks]ᵀ + mask) · [vp ; vs] for suffix rows qkv [G·C, S, 3W] against prefix heads
 * [3, H, G, P, hd]: the scores of both key blocks are written side by side into one [H·G·C, S, P+S] buffer so one
 * softmax normalises over all keys; the two products with v are summed through the matmul's residual.
 */
function attendWithPrefix(qkv: Tensor, ph: Tensor, d: PrefixDims, mask: Tensor): Tensor {
  const { G, C, S, P, H } = d;
  const W = qkv.shape[2] / 3;
  const hd = W / H;
  const dev = qkv.device;
  return dev.scope(() => {
    const sh = permute(qkv.reshape([G, C, S, 3, H, hd]), [3, 4, 0, 1, 2, 5]); // [3, H, G, C, S, hd]
    const n = H * G * C * S * hd;
    const np = H * G * P * hd;
    const K = P + S;
    const alpha = hd ** -0.5;
    const scores = dev.empty([H * G * C, S, K], qkv.dtype, 'prefix_scores');
    // Against the prefix: per (h, g) the C·S suffix rows are contiguous, the prefix keys one P x hd block.
    matmulStrided({
      batch: H * G, M: C * S, N: P, K: hd, alpha,
      a: { tensor: sh, offset: 0, batchStride: C * S * hd, rowStride: hd },
      b: { tensor: ph, offset: np, batchStride: P * hd, rowStride: hd, transposed: true },
      out: { tensor: scores, offset: 0, batchStride: C * S * K, rowStride: K },
    });
    // Against the suffix itself, per (h, g, c).
    matmulStrided({
      batch: H * G * C, M: S, N: S, K: hd, alpha,
      a: { tensor: sh, offset: 0, batchStride: S * hd, rowStride: hd },
      b: { tensor: sh, offset: n, batchStride: S * hd, rowStride: hd, transposed: true },
      out: { tensor: scores, offset: P, batchStride: S * K, rowStride: K },
    });
    const w = softmax(add(scores, mask));
    const fromPrefix = matmulStrided({
      batch: H * G, M: C * S, N: hd, K: P,
      a: { tensor: w, offset: 0, batchStride: C * S * K, rowStride: K },
      b: { tensor: ph, offset: 2 * np, batchStride: P * hd, rowStride: hd, transposed: false },
    });
    const out = dev.empty([H, G, C, S, hd], qkv.dtype, 'prefix_ctx');
    matmulStrided({
      batch: H * G * C, M: S, N: hd, K: S,
      a: { tensor: w, offset: P, batchStride: S * K, rowStride: K },
      b: { tensor: sh, offset: 2 * n, batchStride: S * hd, rowStride: hd, transposed: false },
      out: { tensor: out, offset: 0, batchStride: S * hd, rowStride: hd },
      residual: fromPrefix,
    });
    return permute(out, [1, 2, 3, 0, 4]).reshape([G * C, S, W]);
  });
}
