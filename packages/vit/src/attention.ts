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
}

export interface HeadDims {
  heads: number;
  tokens: number;
  headDim: number;
}

/** softmax(scale · x yᵀ (+ mask)) per head: [heads, L, L]. x = q and y = k is standard attention; x = y = q is ClearCLIP's. */
export function attentionWeights(x: HeadView, y: HeadView, d: HeadDims, mask?: Tensor): Tensor {
  const dev = x.tensor.device;
  return dev.scope(() => {
    const scores = matmulStrided({
      batch: d.heads,
      M: d.tokens,
      N: d.tokens,
      K: d.headDim,
      a: { tensor: x.tensor, offset: x.offset, batchStride: x.headStride ?? d.headDim, rowStride: x.rowStride },
      b: { tensor: y.tensor, offset: y.offset, batchStride: y.headStride ?? d.headDim, rowStride: y.rowStride, transposed: true },
      alpha: d.headDim ** -0.5,
    });
    return softmax(mask ? add(scores, mask) : scores);
  });
}

/** out[h, l, d] = Σ_j w[h, l, j] · v[h, j, d], written through the `out` view (by default heads side by side in rows of W). */
export function applyAttention(weights: Tensor, v: HeadView, d: HeadDims, out: HeadView): void {
  matmulStrided({
    batch: d.heads,
    M: d.tokens,
    N: d.headDim,
    K: d.tokens,
    a: { tensor: weights, offset: 0, batchStride: d.tokens * d.tokens, rowStride: d.tokens },
    b: { tensor: v.tensor, offset: v.offset, batchStride: v.headStride ?? d.headDim, rowStride: v.rowStride, transposed: false },
    out: { tensor: out.tensor, offset: out.offset, batchStride: out.headStride ?? d.headDim, rowStride: out.rowStride },
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
