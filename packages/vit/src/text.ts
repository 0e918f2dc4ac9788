import { type Tensor, add, gatherRows, layerNorm, matmul, slice, shapeStr } from '@clearclip/tensor';
import type { ClipConfig } from './config.js';
import { ResidualAttentionBlock, blockWeights } from './block.js';
import { causalMask } from './attention.js';

/**
 * OpenCLIP's text tower: token + position embeddings, causal blocks, ln_final, the row at the first maximum
 * token id (the end-of-text token), text projection.
 */
export class TextTransformer {
  readonly blocks: ResidualAttentionBlock[];
  private masks = new Map<number, Tensor>();

  constructor(
    readonly cfg: ClipConfig,
    private readonly get: (name: string) => Tensor,
  ) {
    const t = cfg.text;
    this.blocks = Array.from(
      { length: t.layers },
      (_, i) => new ResidualAttentionBlock(blockWeights(get, `transformer.resblocks.${i}.`), t.heads, cfg.quickGelu ? 'quickgelu' : 'gelu', cfg.lnEps),
    );
  }

  private mask(L: number): Tensor {
    let m = this.masks.get(L);
    if (!m) {
      const table = this.get('token_embedding.weight');
      m = table.device.keep(causalMask(table.device, L, table.dtype));
      this.masks.set(L, m);
    }
    return m;
  }

  /** The largest batch of L-token rows whose intermediates stay within `maxBytes` per buffer (at least 1). */
  maxBatch(L: number, maxBytes: number): number {
    return Math.max(1, Math.floor(maxBytes / this.blocks[0].bytesPerItem(L)));
  }

  /**
   * ids: B rows of L token ids (L <= context length; rows may be cut after their end-of-text token since the causal
   * mask keeps later tokens from changing the pooled row). Returns [B, E], unnormalised.
   */
  encodeText(ids: Int32Array, batch: number): Tensor {
    const ctx = this.cfg.text.contextLength;
    if (batch <= 0 || ids.length % batch !== 0) throw new Error(`encodeText: ${ids.length} ids do not split into ${batch} rows`);
    const L = ids.length / batch;
    if (L > ctx) throw new Error(`encodeText: rows of ${L} tokens exceed the context length ${ctx}`);
    const table = this.get('token_embedding.weight');
    const dev = table.device;
    const W = this.cfg.text.width;
    // Pool where upstream does: argmax over the ids, i.e. the first end-of-text (the largest id).
    const pool: number[] = [];
    for (let b = 0; b < batch; b++) {
      let best = 0;
      for (let l = 1; l < L; l++) if (ids[b * L + l] > ids[b * L + best]) best = l;
      pool.push(b * L + best);
    }
    return dev.scope(() => {
      const tok = gatherRows(table, ids, 'token_embedding').reshape([batch, L, W]);
      const pos = this.get('positional_embedding');
      let x = add(tok, L === ctx ? pos : slice(pos, 0, 0, L));
      for (const blk of this.blocks) {
        const y = blk.forward(x, this.mask(L));
        x.dispose();
        x = y;
      }
      const normed = layerNorm(x, this.get('ln_final.weight'), this.get('ln_final.bias'), this.cfg.lnEps).reshape([batch * L, W]);
      const pooled = gatherRows(normed, pool, 'eot_pool');
      if (pooled.shape[0] !== batch) throw new Error(`encodeText: pooled ${shapeStr(pooled.shape)}`);
      return matmul(pooled, this.get('text_projection'));
    });
  }
}
