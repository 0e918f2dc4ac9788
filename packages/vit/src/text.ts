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

  /** The largest batch of L-token rows whose intermediates stay within `maxBytes` per buffer (at least 1). */
  maxBatch(L: number, maxBytes: number): number {
    return Math.max(1, Math.floor(maxBytes / this.blocks[0].bytesPerItem(L)));
  }

  /** Token + position embeddings [batch, L, W] for rows of L ids that sit at positions [start, start + L). */
  embed(ids: ArrayLike<number>, batch: number, start = 0): Tensor {
    const L = ids.length / batch;
    const W = this.cfg.text.width;
    const table = this.get('token_embedding.weight');
    return table.device.scope(() => {
      const tok = gatherRows(table, ids, 'token_embedding').reshape([batch, L, W]);
      const pos = this.get('positional_embedding');
      return add(tok, start === 0 && L === this.cfg.text.contextLength ? pos : slice(pos, 0, start, start + L));
    });
  }

  /** ln_final then the text projection, on pooled rows [N, W] -> [N, E]. */
  project(pooled: Tensor): Tensor {
    return pooled.device.scope(() =>
      matmul(layerNorm(pooled, this.get('ln_final.weight'), this.get('ln_final.bias'), this.cfg.lnEps), this.get('text_projection')),
    );
  }

  /** The causal mask for `L` queries that follow `prefix` cached tokens: [L, prefix + L], kept per shape. */
  causalMask(L: number, prefix = 0): Tensor {
    const key = prefix * 4096 + L;
    let m = this.masks.get(key);
    if (!m) {
      const table = this.get('token_embedding.weight');
      m = table.device.keep(causalMask(table.device, L, table.dtype, prefix));
      this.masks.set(key, m);
    }
    return m;
  }

  /**
   * ids: B rows of L token ids (L <= context length; rows may be cut after their end-of-text token since the causal
   * mask keeps later tokens from changing the pooled row). Returns [B, E], unnormalised.
   * `eotOnly` (default true): the last block runs its output projection and MLP on the pooled rows alone, the only
   * rows the result reads (ln_final is row-wise, so pooling before it changes nothing).
   */
  encodeText(ids: Int32Array, batch: number, opts: { eotOnly?: boolean } = {}): Tensor {
    const ctx = this.cfg.text.contextLength;
    if (batch <= 0 || ids.length % batch !== 0) throw new Error(`encodeText: ${ids.length} ids do not split into ${batch} rows`);
    const L = ids.length / batch;
    if (L > ctx) throw new Error(`encodeText: rows of ${L} tokens exceed the context length ${ctx}`);
    const dev = this.get('token_embedding.weight').device;
    const W = this.cfg.text.width;
    const pool = eotRows(ids, batch);
    const eotOnly = opts.eotOnly ?? true;
    return dev.scope(() => {
      let x = this.embed(ids, batch);
      const last = this.blocks.length - 1;
      for (let i = 0; i < this.blocks.length; i++) {
        const blk = this.blocks[i];
        const y = eotOnly && i === last ? blk.forwardRows(x, pool, this.causalMask(L)) : blk.forward(x, this.causalMask(L));
        x.dispose();
        x = y;
      }
      const pooled = eotOnly ? x : gatherRows(x.reshape([batch * L, W]), pool, 'eot_pool');
      if (pooled.shape[0] !== batch) throw new Error(`encodeText: pooled ${shapeStr(pooled.shape)}`);
      return this.project(pooled);
    });
  }
}

/** Flat row index of each row's end-of-text token: upstream pools at argmax over the ids (the largest id, first). */
export function eotRows(ids: ArrayLike<number>, batch: number): number[] {
  const L = ids.length / batch;
  const pool: number[] = [];
  for (let b = 0; b < batch; b++) {
    let best = 0;
    for (let l = 1; l < L; l++) if (ids[b * L + l] > ids[b * L + best]) best = l;
    pool.push(b * L + best);
  }
  return pool;
}
