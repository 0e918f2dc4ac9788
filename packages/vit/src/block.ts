import { type Tensor, type Activation, attention, gatherRows, layerNorm, matmul } from '@clearclip/tensor';
import { type HeadDims, applyAttention, attentionWeights, isCausalMask } from './attention.js';
import { fusedAttentionEnabled, fusedLayerNormEnabled } from './fusion.js';

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

  /**
   * Bytes of the largest intermediate one sequence of L tokens adds to a batch: the fused projection [L, 3W], the
   * MLP hidden [L, 4W] or the attention weights [H, L, L]. Batches are sized so that none passes a binding limit.
   */
  bytesPerItem(L: number): number {
    const w = this.w;
    const W = w.ln1.weight.shape[0];
    const bpe = w.fc.weight.dtype === 'f16' ? 2 : 4;
    return bpe * Math.max(L * 3 * W, L * w.fc.weight.shape[1], this.heads * L * L);
  }

  /** x: [B, L, W] -> [B, L, W]. */
  forward(x: Tensor, mask?: Tensor): Tensor {
    return x.device.scope(() => this.output(this.attend(x, mask), x));
  }

  /** The rest of the block after attention: x + out_proj(ctx), then the MLP. */
  output(ctx: Tensor, x: Tensor): Tensor {
    return x.device.scope(() => this.mlp(matmul(ctx, this.w.outProj.weight, { bias: this.w.outProj.bias, residual: x })));
  }

  /** `output` at some rows of [B, L, W] (flattened to [B * L, W]) only: [rows.length, W]. */
  outputRows(ctx: Tensor, x: Tensor, rows: readonly number[]): Tensor {
    return x.device.scope(() => {
      const [B, L, W] = x.shape;
      return this.output(gatherRows(ctx.reshape([B * L, W]), rows, 'attn_rows'), gatherRows(x.reshape([B * L, W]), rows, 'residual_rows'));
    });
  }

  /** ln_1(x) -> fused q|k|v projection [B, L, 3W] (what a prefix cache keeps for its keys and values). */
  qkv(x: Tensor): Tensor {
    return x.device.scope(() => this.normThenProject(x, this.w.ln1, this.w.inProj));
  }

  /** The attention context [B, L, W] before the output projection. */
  attend(x: Tensor, mask?: Tensor): Tensor {
    return x.device.scope(() => {
      const [B, L, W] = x.shape;
      const qkv = this.qkv(x);
      if (fusedAttentionEnabled(x.device) && (!mask || (isCausalMask(mask) && mask.shape[0] === mask.shape[1]))) {
        // One launch reading q, k, v in place from [B, L, 3W] and writing [B, L, W]: no permutes, no scores.
        const view = (offset: number) => ({ tensor: qkv, offset, itemStride: L * 3 * W, headStride: W / this.heads, rowStride: 3 * W });
        return attention({ items: B, heads: this.heads, L, headDim: W / this.heads, q: view(0), k: view(W), v: view(2 * W), causal: !!mask });
      }
      return this.attendUnfused(qkv, B, L, W, mask);
    });
  }

  /**
   * The block's output at some rows only: [rows.length, W] for rows of x flattened to [B * L, W]. Attention still
   * sees every token (keys and values), but the output projection and the MLP run on the chosen rows alone: the
   * text tower's last layer needs nothing but the end-of-text rows.
   */
  forwardRows(x: Tensor, rows: readonly number[], mask?: Tensor): Tensor {
    return x.device.scope(() => this.outputRows(this.attend(x, mask), x, rows));
  }

  /**
   * Attention as three launches for the whole batch (scores, softmax, weighted values): q, k and v are read in place
   * from the fused [B, L, 3W] projection and the context written in place into [B, L, W] (matmulStrided's items x
   * heads batch), so there is no head permute before or after.
   */
  private attendUnfused(qkv: Tensor, B: number, L: number, W: number, mask?: Tensor): Tensor {
    const d: HeadDims = { items: B, heads: this.heads, tokens: L, headDim: W / this.heads };
    const ctx = qkv.device.empty([B, L, W], qkv.dtype, 'attn_ctx');
    const view = (offset: number) => ({ tensor: qkv, offset, rowStride: 3 * W });
    const wts = attentionWeights(view(0), view(W), d, mask);
    applyAttention(wts, view(2 * W), d, { tensor: ctx, offset: 0, rowStride: W });
    wts.dispose();
    return ctx;
  }

  /** y + c_proj(act(c_fc(ln_2(y)))). */
  mlp(y: Tensor): Tensor {
    const f = this.normThenProject(y, this.w.ln2, this.w.fc, this.activation);
    return matmul(f, this.w.proj.weight, { bias: this.w.proj.bias, residual: y });
  }

  /** act(layerNorm(x) @ W + b): one launch with the norm folded into the matmul, or two (see fusion.ts). */
  private normThenProject(x: Tensor, ln: { weight: Tensor; bias: Tensor }, proj: { weight: Tensor; bias: Tensor }, activation?: Activation): Tensor {
    if (fusedLayerNormEnabled(x.device)) {
      return matmul(x, proj.weight, { bias: proj.bias, activation, layerNorm: { weight: ln.weight, bias: ln.bias, eps: this.eps } });
    }
    return matmul(layerNorm(x, ln.weight, ln.bias, this.eps), proj.weight, { bias: proj.bias, activation });
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
