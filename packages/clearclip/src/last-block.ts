import { type Tensor, add, attention, layerNorm, matmul, slice } from '@clearclip/tensor';
import { type HeadDims, type HeadView, type ResidualAttentionBlock, type TransformerBlock, applyAttention, attentionWeights, fusedAttentionEnabled } from '@clearclip/vit/core';

/** Attention of the last block: q·kᵀ (vanilla), q·qᵀ (ClearCLIP), k·kᵀ, v·vᵀ, SCLIP's softmax(qqᵀ)+softmax(kkᵀ), identity (MaskCLIP: v). */
export type AttentionKind = 'qk' | 'qq' | 'kk' | 'vv' | 'sclip' | 'identity';

/** The paper's three independent switches. */
export interface LastBlockForm {
  residual: boolean;
  attention: AttentionKind;
  ffn: boolean;
}

/**
 * Presets, as upstream's `model_type` x `ignore_residual` (ignore_residual=True drops both the residual and the
 * FFN, False keeps both): clearclip = ClearCLIP/True, vanilla = vanilla/False (plain CLIP), maskclip = MaskCLIP/True,
 * sclip = SCLIP/True.
 */
export const PRESETS = {
  clearclip: { residual: false, attention: 'qq', ffn: false },
  vanilla: { residual: true, attention: 'qk', ffn: true },
  maskclip: { residual: false, attention: 'identity', ffn: false },
  sclip: { residual: false, attention: 'sclip', ffn: false },
} as const satisfies Record<string, LastBlockForm>;

export type PresetName = keyof typeof PRESETS;

/** Upstream's model_type names -> our attention kinds (for fixtures and settings files). */
export const UPSTREAM_MODEL_TYPES: Record<string, AttentionKind> = { vanilla: 'qk', ClearCLIP: 'qq', MaskCLIP: 'identity', SCLIP: 'sclip' };

/**
 * ClearCLIP's decomposed last block, built from the tower's own last block weights. Only the projections the chosen
 * attention reads are computed (q·qᵀ needs no key projection), and the FFN only runs when kept.
 */
export class DecomposedBlock implements TransformerBlock {
  private proj: Partial<Record<'q' | 'k' | 'v', { weight: Tensor; bias: Tensor }>> = {};

  constructor(
    readonly base: ResidualAttentionBlock,
    readonly form: LastBlockForm,
  ) {
    const w = base.width;
    const need = new Set<'q' | 'k' | 'v'>(['v']);
    if (form.attention === 'qk' || form.attention === 'sclip') ['q', 'k'].forEach((x) => need.add(x as 'q' | 'k'));
    if (form.attention === 'qq') need.add('q');
    if (form.attention === 'kk') need.add('k');
    const dev = base.w.inProj.weight.device;
    const col = { q: 0, k: 1, v: 2 } as const;
    for (const p of need) {
      const c = col[p];
      this.proj[p] = {
        weight: dev.keep(slice(base.w.inProj.weight, 1, c * w, (c + 1) * w)),
        bias: dev.keep(slice(base.w.inProj.bias, 0, c * w, (c + 1) * w)),
      };
    }
  }

  /** Which projections this form computes (for tests that the unneeded ones are skipped). */
  get projections(): string[] {
    return Object.keys(this.proj);
  }

  forward(x: Tensor): Tensor {
    const dev = x.device;
    const b = this.base;
    return dev.scope(() => {
      const [B, L, W] = x.shape;
      const h = layerNorm(x, b.w.ln1.weight, b.w.ln1.bias, b.eps);
      const p: Partial<Record<'q' | 'k' | 'v', Tensor>> = {};
      for (const [k, w] of Object.entries(this.proj)) p[k as 'q' | 'k' | 'v'] = matmul(h, w.weight, { bias: w.bias });
      let ctx: Tensor;
      if (this.form.attention === 'identity') {
        ctx = p.v!;
      } else if (fusedAttentionEnabled(dev)) {
        // One launch per softmax for the whole batch, reading the projections in place.
        const view = (t: Tensor) => ({ tensor: t, offset: 0, itemStride: L * W, headStride: W / b.heads, rowStride: W });
        const fused = (x: Tensor) => attention({ items: B, heads: b.heads, L, headDim: W / b.heads, q: view(x), k: view(x), v: view(p.v!) });
        const a = this.form.attention;
        if (a === 'qk') ctx = attention({ items: B, heads: b.heads, L, headDim: W / b.heads, q: view(p.q!), k: view(p.k!), v: view(p.v!) });
        else if (a === 'sclip') ctx = add(fused(p.q!), fused(p.k!)); // (softmax(qqᵀ) + softmax(kkᵀ)) v
        else ctx = fused(p[a === 'qq' ? 'q' : a === 'kk' ? 'k' : 'v']!);
      } else {
        // Every window at once (matmulStrided's items x heads batch), reading the projections in place.
        ctx = dev.empty([B, L, W], x.dtype, 'attn_ctx');
        const d: HeadDims = { items: B, heads: b.heads, tokens: L, headDim: W / b.heads };
        const view = (t: Tensor): HeadView => ({ tensor: t, offset: 0, rowStride: W });
        const weights = dev.scope(() => {
          switch (this.form.attention) {
            case 'qk':
              return attentionWeights(view(p.q!), view(p.k!), d);
            case 'qq':
              return attentionWeights(view(p.q!), view(p.q!), d);
            case 'kk':
              return attentionWeights(view(p.k!), view(p.k!), d);
            case 'vv':
              return attentionWeights(view(p.v!), view(p.v!), d);
            case 'sclip':
              // A sum, as upstream: each row's weights add up to 2.
              return add(attentionWeights(view(p.q!), view(p.q!), d), attentionWeights(view(p.k!), view(p.k!), d));
            default:
              throw new Error(`DecomposedBlock: unknown attention ${String(this.form.attention)}`);
          }
        });
        applyAttention(weights, view(p.v!), d, view(ctx));
        weights.dispose();
      }
      const a = matmul(ctx, b.w.outProj.weight, { bias: b.w.outProj.bias, residual: this.form.residual ? x : undefined });
      return this.form.ffn ? b.mlp(a) : a;
    });
  }

  dispose(): void {
    for (const w of Object.values(this.proj)) {
      w.weight.dispose();
      w.bias.dispose();
    }
  }
}
