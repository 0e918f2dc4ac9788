import { type Tensor, add, concat, layerNorm, matmul, patchEmbed, permute, resizeBicubic, slice, cast, shapeStr } from '@clearclip/tensor';
import type { ClipConfig } from './config.js';
import { type TransformerBlock, ResidualAttentionBlock, blockWeights } from './block.js';

export interface VisionForwardOptions {
  /** Replaces the last block (ClearCLIP's decomposed block); the other blocks run unchanged. */
  lastBlock?: TransformerBlock;
  /** Called with each block's output (index, [B, L, W]); for parity checks. The tensor is freed afterwards. */
  onBlock?: (index: number, x: Tensor) => void;
  /** Called with [cls; patches] + pos (the input of ln_pre). */
  onEmbed?: (x: Tensor) => void;
  /** Called with ln_pre's output. */
  onLnPre?: (x: Tensor) => void;
}

/**
 * OpenCLIP's VisionTransformer: conv patch embedding, class token, position embedding (bicubic-resampled for other
 * token grids), ln_pre, residual blocks, ln_post, projection.
 */
export class VisionTransformer {
  readonly blocks: ResidualAttentionBlock[];
  private posCache = new Map<string, Tensor>();

  constructor(
    readonly cfg: ClipConfig,
    private readonly get: (name: string) => Tensor,
  ) {
    const v = cfg.vision;
    this.blocks = Array.from(
      { length: v.layers },
      (_, i) => new ResidualAttentionBlock(blockWeights(get, `visual.transformer.resblocks.${i}.`), v.heads, cfg.quickGelu ? 'quickgelu' : 'gelu', cfg.lnEps),
    );
  }

  get width(): number {
    return this.cfg.vision.width;
  }

  get patchSize(): number {
    return this.cfg.vision.patchSize;
  }

  get dtype(): Tensor['dtype'] {
    return this.get('visual.proj').dtype;
  }

  /** Side of the pretrained square position grid. */
  get pretrainedGrid(): number {
    return Math.round(Math.sqrt(this.get('visual.positional_embedding').shape[0] - 1));
  }

  /**
   * Position table for a gh x gw token grid, [1 + gh*gw, W]. Upstream only resamples when the token count differs
   * from the pretrained one, and then with scale_factor (g + 0.1) / n, which PyTorch uses as given for the source
   * coordinates, so even an axis with g == n changes. The CLS row is copied unchanged.
   */
  positionEmbedding(gh: number, gw: number): Tensor {
    const pos = this.get('visual.positional_embedding');
    const n = this.pretrainedGrid;
    if (gh * gw === n * n) return pos;
    const key = `${gh}x${gw}`;
    let t = this.posCache.get(key);
    if (!t) {
      const dev = pos.device;
      const make = () =>
        dev.scope(() => {
          const W = this.width;
          const grid = permute(slice(pos, 0, 1, 1 + n * n).reshape([n, n, W]), [2, 0, 1]); // [W, n, n]
          const resized = resizeBicubic(grid, (gh + 0.1) / n, (gw + 0.1) / n); // [W, gh, gw]
          if (resized.shape[1] !== gh || resized.shape[2] !== gw) {
            throw new Error(`position embedding: resampling ${n}x${n} gave ${shapeStr(resized.shape)}, expected ${gh}x${gw}`);
          }
          const rows = permute(resized, [1, 2, 0]).reshape([gh * gw, W]);
          return concat([slice(pos, 0, 0, 1), rows], 0);
        });
      // While a precompile traces the forward, launches do not run: that tensor is garbage, never to be cached.
      if (dev.tracing) return make();
      t = dev.keep(make());
      this.posCache.set(key, t);
    }
    return t;
  }

  /** The largest batch of H x W images whose intermediates stay within `maxBytes` per buffer (at least 1). */
  maxBatch(h: number, w: number, maxBytes: number): number {
    const L = 1 + (h / this.patchSize) * (w / this.patchSize);
    return Math.max(1, Math.floor(maxBytes / this.blocks[0].bytesPerItem(L)));
  }

  /** [cls; patches] + pos for a [B, 3, H, W] image (H, W multiples of the patch size): [B, 1 + gh*gw, W]. */
  embed(image: Tensor): Tensor {
    const p = this.patchSize;
    if (image.rank !== 4 || image.shape[1] !== 3) throw new Error(`VisionTransformer: image must be [B, 3, H, W], got ${shapeStr(image.shape)}`);
    const [B, , H, Wd] = image.shape;
    if (H % p !== 0 || Wd % p !== 0) throw new Error(`VisionTransformer: image ${H}x${Wd} is not a multiple of the patch size ${p}`);
    const dev = image.device;
    return dev.scope(() => {
      const img = image.dtype === this.dtype ? image : cast(image, this.dtype as 'f32' | 'f16');
      const patches = patchEmbed(img, this.get('visual.conv1.weight'), p); // [B, g, W]
      const cls = this.get('visual.class_embedding').reshape([1, 1, this.width]);
      const clsB = B === 1 ? cls : concat(Array.from({ length: B }, () => cls), 0);
      const tokens = concat([clsB, patches], 1);
      return add(tokens, this.positionEmbedding(H / p, Wd / p));
    });
  }

  /** Everything up to and including ln_post on all tokens: [B, 1 + gh*gw, W]. */
  forwardTokens(image: Tensor, opts: VisionForwardOptions = {}): Tensor {
    const dev = image.device;
    return dev.scope(() => {
      const e = this.embed(image);
      opts.onEmbed?.(e);
      let x = layerNorm(e, this.get('visual.ln_pre.weight'), this.get('visual.ln_pre.bias'), this.cfg.lnEps);
      opts.onLnPre?.(x);
      const last = this.blocks.length - 1;
      for (let i = 0; i <= last; i++) {
        const block: TransformerBlock = i === last && opts.lastBlock ? opts.lastBlock : this.blocks[i];
        const y = block.forward(x);
        opts.onBlock?.(i, y);
        x.dispose();
        x = y;
      }
      return layerNorm(x, this.get('visual.ln_post.weight'), this.get('visual.ln_post.bias'), this.cfg.lnEps);
    });
  }

  /** CLIP's image embedding: the class token after ln_post, projected: [B, E] (unnormalised). */
  encodeImage(image: Tensor, opts: VisionForwardOptions = {}): Tensor {
    const dev = image.device;
    return dev.scope(() => {
      const t = this.forwardTokens(image, opts);
      const [B, , W] = t.shape;
      return matmul(slice(t, 1, 0, 1).reshape([B, W]), this.get('visual.proj'));
    });
  }

  /** Every patch token after ln_post, projected: [B, gh*gw, E] (unnormalised). */
  encodeDense(image: Tensor, opts: VisionForwardOptions = {}): Tensor {
    const dev = image.device;
    return dev.scope(() => {
      const t = this.forwardTokens(image, opts);
      const patches = slice(t, 1, 1, t.shape[1]);
      return matmul(patches, this.get('visual.proj'));
    });
  }
}
