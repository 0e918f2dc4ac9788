import { type Tensor, matmulStrided, softmax, add } from '@clearclip/tensor';

/**
 * Where one batch item's heads live inside a projection output: head h, token l, channel d sits at
 * `offset + l * rowStride + h * headDim + d`. Views let attention read q, k and v straight out of a fused
 * [B, L, 3W] projection (or separate [B, L, W] ones) without split or permute copies.
 */
export interface HeadView {
  tensor: Tensor;
  offset: number;
  rowStride: number;
  /** Distance between heads; default headDim (heads side by side in a row). */
  headStride?: number;
  /** Distance between batch items when HeadDims.items > 1; default tokens * rowStride (items one after another). */
  itemStride?: number;
}

export interface HeadDims {
  heads: number;
  tokens: number;
  headDim: number;
  /** Batch items (windows, prompts), each with `heads` heads; default 1. */
  items?: number;
}

/** A head view as the matmul sees it: items x heads batch entries (matmulStrided's `heads` split). */
function heads(v: HeadView, d: HeadDims) {
  return { tensor: v.tensor, offset: v.offset, batchStride: v.itemStride ?? d.tokens * v.rowStride, headStride: v.headStride ?? d.headDim, rowStride: v.rowStride };
}

/**
 * softmax(scale · x yᵀ (+ mask)) per item and head: [items * heads, L, L]. x = q and y = k is standard attention;
 * x = y = q is ClearCLIP's.
 */
export function attentionWeights(x: HeadView, y: HeadView, d: HeadDims, mask?: Tensor): Tensor {
  const dev = x.tensor.device;
  return dev.scope(() => {
    const scores = matmulStrided({
      batch: (d.items ?? 1) * d.heads,
      heads: d.heads,
      M: d.tokens,
      N: d.tokens,
      K: d.headDim,
      a: heads(x, d),
      b: { ...heads(y, d), transposed: true },
      alpha: d.headDim ** -0.5,
    });
    return softmax(mask ? add(scores, mask) : scores);
  });
}

/**
 * out[i, h, l, d] = Σ_j w[i, h, l, j] · v[i, h, j, d], written through the `out` view (by default heads side by side
 * in rows of W).
 */
export function applyAttention(weights: Tensor, v: HeadView, d: HeadDims, out: HeadView): void {
  const L = d.tokens;
  matmulStrided({
    batch: (d.items ?? 1) * d.heads,
    M: L,
    N: d.headDim,
    K: L,
    a: { tensor: weights, offset: 0, batchStride: d.heads * L * L, headStride: L * L, rowStride: L },
    b: { ...heads(v, d), transposed: false },
    out: heads(out, d),
    heads: d.heads,
  });
}

/**
 * The additive causal mask of the text tower: 0 on and below the diagonal, -inf above. With `prefix` cached tokens
 * before the `tokens` queries it is [tokens, prefix + tokens] and every query sees the whole prefix.
 */
export function causalMask(dev: Tensor['device'], tokens: number, dtype: Tensor['dtype'], prefix = 0): Tensor {
  const K = prefix + tokens;
  const m = new Float32Array(tokens * K);
  for (let i = 0; i < tokens; i++) for (let j = prefix + i + 1; j < K; j++) m[i * K + j] = -Infinity;
  const t = dev.tensor(m, [tokens, K], dtype, 'causal_mask');
  causalMasks.add(t);
  return t;
}

/** Masks made by causalMask: the fused kernel applies them by index instead of reading them. */
const causalMasks = new WeakSet<Tensor>();
export function isCausalMask(t: Tensor): boolean {
  return causalMasks.has(t);
}

// The switch itself lives in fusion.ts with the layer-norm one; re-exported here for existing imports.
export { useFusedAttention, fusedAttentionEnabled } from './fusion.js';
