import { type Tensor, type Activation, layerNorm, matmul } from '@clearclip/tensor';
import { type HeadDims, applyAttention, attentionWeights } from './attention.js';

/** One pre-norm transformer block's parameters, Linear weights in [in, out] layout. */
export interface BlockWeights {
  ln1: { weight: Tensor; bias: Tensor };
  inProj: { weight: Tensor; bias: Tensor }; // [W, 3W]: q | k | v column blocks
  outProj: { weight: Tensor; bias: Tensor };
  ln2: { weight: Tensor; bias: Tensor };
  fc: { weight: Tensor; bias: Tensor };
  proj: { weight: Tensor; bias: Tensor };
}

/** What a tower calls for each block; ClearCLIP swaps the vision tower's last one for its own. */
export interface TransformerBlock {
  forward(x: Tensor, mask?: Tensor): Tensor;
}

/** OpenCLIP's ResidualAttentionBlock: x + attn(ln_1(x)), then + mlp(ln_2(x)). */
export class ResidualAttentionBlock implements TransformerBlock {
  constructor(
    readonly w: BlockWeights,
    readonly heads: number,
    readonly activation: Activation,
    readonly eps: number,
  ) {}

  get width(): number {
    return this.w.ln1.weight.shape[0];
  }

  /** x: [B, L, W] -> [B, L, W]. */
  forward(x: Tensor, mask?: Tensor): Tensor {
    const dev = x.device;
    return dev.scope(() => {
      const [B, L, W] = x.shape;
      const h = layerNorm(x, this.w.ln1.weight, this.w.ln1.bias, this.eps);
      const qkv = matmul(h, this.w.inProj.weight, { bias: this.w.inProj.bias });
      const ctx = dev.empty([B, L, W], x.dtype, 'attn_ctx');
      const d: HeadDims = { heads: this.heads, tokens: L, headDim: W / this.heads };
      for (let b = 0; b < B; b++) {
        const base = b * L * 3 * W;
        const wts = attentionWeights({ tensor: qkv, offset: base, rowStride: 3 * W }, { tensor: qkv, offset: base + W, rowStride: 3 * W }, d, mask);
        applyAttention(wts, { tensor: qkv, offset: base + 2 * W, rowStride: 3 * W }, d, ctx, b * L * W);
        wts.dispose();
      }
      const y = matmul(ctx, this.w.outProj.weight, { bias: this.w.outProj.bias, residual: x });
      return this.mlp(y);
    });
  }

  /** y + c_proj(act(c_fc(ln_2(y)))). */
  mlp(y: Tensor): Tensor {
    const h2 = layerNorm(y, this.w.ln2.weight, this.w.ln2.bias, this.eps);
    const f = matmul(h2, this.w.fc.weight, { bias: this.w.fc.bias, activation: this.activation });
    return matmul(f, this.w.proj.weight, { bias: this.w.proj.bias, residual: y });
  }
}

/** Pick a block's tensors out of a name -> tensor map (`prefix` ends with "resblocks.<i>."). */
export function blockWeights(get: (name: string) => Tensor, prefix: string): BlockWeights {
  const pair = (w: string, b: string) => ({ weight: get(prefix + w), bias: get(prefix + b) });
  return {
    ln1: pair('ln_1.weight', 'ln_1.bias'),
    inProj: pair('attn.in_proj_weight', 'attn.in_proj_bias'),
    outProj: pair('attn.out_proj.weight', 'attn.out_proj.bias'),
    ln2: pair('ln_2.weight', 'ln_2.bias'),
    fc: pair('mlp.c_fc.weight', 'mlp.c_fc.bias'),
    proj: pair('mlp.c_proj.weight', 'mlp.c_proj.bias'),
  };
}
