/**
 * The peer's whole forwards: CLIP ViT-B/16's vision tower (plain and with ClearCLIP's last block) and text tower
 * written with TensorFlow.js ops, from the same weight values as ours. Only shapes and op counts matter for the
 * time; the values are the same so that the outputs can be compared too.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { Tf } from './peer-tfjs.js';

export type HostWeights = Map<string, { shape: number[]; data: Float32Array }>;

export interface PeerModel {
  /** [1, 3, S, S] image -> [1, E] (class token) or, dense, [gh*gw, E] with ClearCLIP's q-q last block. */
  vision(image: TF.Tensor, opts: { dense?: boolean }): TF.Tensor;
  /** [B, L] ids, pooled at `pool` (flat row indices) -> [B, E]. */
  text(ids: TF.Tensor, pool: TF.Tensor): TF.Tensor;
  dispose(): void;
}

const VISION = { width: 768, heads: 12, patch: 16, grid: 14 };
const TEXT = { width: 512, heads: 8 };

export function tfjsClip(tf: Tf, w: HostWeights, layers = 12): PeerModel {
  // Every weight uploaded now (the caller may drop the host copies after this returns).
  const vars = new Map<string, TF.Tensor>([...w].map(([name, h]) => [name, tf.tensor(h.data, h.shape)]));
  const get = (name: string): TF.Tensor => {
    const t = vars.get(name);
    if (!t) throw new Error(`peer: no weight ${name}`);
    return t;
  };
  const posCache = new Map<number, TF.Tensor>();
  const layerNorm = (x: TF.Tensor, p: string) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), get(`${p}.weight`)), get(`${p}.bias`));
  };
  const linear = (x: TF.Tensor, p: string, wName = `${p}.weight`, bName = `${p}.bias`) => tf.add(tf.matMul(x as TF.Tensor2D, get(wName) as TF.Tensor2D), get(bName));
  const quickGelu = (x: TF.Tensor) => tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
  /** x [B, L, W] -> heads [B, H, L, hd]. */
  const heads = (x: TF.Tensor, B: number, L: number, H: number) => tf.transpose(tf.reshape(x, [B, L, H, -1]), [0, 2, 1, 3]);

  /** One block on x [B, L, W]; `last`: ClearCLIP's q-q attention, no residual, no FFN. */
  const block = (x: TF.Tensor, p: string, H: number, mask: TF.Tensor | null, last = false): TF.Tensor => {
    const [B, L, W] = x.shape;
    const h = tf.reshape(layerNorm(x, `${p}ln_1`), [B * L, W]);
    const qkv = linear(h, '', `${p}attn.in_proj_weight`, `${p}attn.in_proj_bias`);
    const [q, k, v] = tf.split(qkv, 3, 1).map((t) => heads(t, B, L, H));
    let s = tf.mul(tf.matMul(q as TF.Tensor4D, (last ? q : k) as TF.Tensor4D, false, true), (W / H) ** -0.5);
    if (mask) s = tf.add(s, mask);
    const ctx = tf.reshape(tf.transpose(tf.matMul(tf.softmax(s) as TF.Tensor4D, v as TF.Tensor4D), [0, 2, 1, 3]), [B * L, W]);
    const attn = tf.reshape(linear(ctx, '', `${p}attn.out_proj.weight`, `${p}attn.out_proj.bias`), [B, L, W]);
    if (last) return attn;
    const y = tf.add(x, attn);
    const f = quickGelu(linear(tf.reshape(layerNorm(y, `${p}ln_2`), [B * L, W]), `${p}mlp.c_fc`));
    return tf.add(y, tf.reshape(linear(f, `${p}mlp.c_proj`), [B, L, W]));
  };

  const position = (g: number): TF.Tensor => {
    let t = posCache.get(g);
    if (!t) {
      const pos = get('visual.positional_embedding');
      const n = VISION.grid;
      t = tf.tidy(() => {
        if (g === n) return pos;
        const grid = tf.reshape(tf.slice(pos, [1, 0], [n * n, -1]), [1, n, n, VISION.width]);
        const r = tf.reshape(tf.image.resizeBilinear(grid as TF.Tensor4D, [g, g]), [g * g, VISION.width]);
        return tf.concat([tf.slice(pos, [0, 0], [1, -1]), r], 0);
      });
      // Made inside the caller's tidy: keep it, or the next forward at this size reads a disposed tensor.
      if (t !== pos) tf.keep(t);
      posCache.set(g, t);
    }
    return t;
  };

  return {
    vision(image, opts) {
      return tf.tidy(() => {
        const [B, C, S] = image.shape;
        const p = VISION.patch;
        const g = S / p;
        const patches = tf.reshape(tf.transpose(tf.reshape(image, [B, C, g, p, g, p]), [0, 2, 4, 1, 3, 5]), [B * g * g, C * p * p]);
        const conv = tf.reshape(get('visual.conv1.weight'), [VISION.width, C * p * p]);
        const tok = tf.reshape(tf.matMul(patches, conv, false, true), [B, g * g, VISION.width]);
        const cls = tf.tile(tf.reshape(get('visual.class_embedding'), [1, 1, VISION.width]), [B, 1, 1]);
        let x = tf.add(tf.concat([cls, tok], 1), position(g));
        x = layerNorm(x, 'visual.ln_pre');
        for (let i = 0; i < layers; i++) x = block(x, `visual.transformer.resblocks.${i}.`, VISION.heads, null, !!opts.dense && i === layers - 1);
        x = layerNorm(x, 'visual.ln_post');
        const rows = opts.dense ? tf.reshape(tf.slice(x, [0, 1, 0], [B, -1, -1]), [-1, VISION.width]) : tf.reshape(tf.slice(x, [0, 0, 0], [B, 1, -1]), [B, VISION.width]);
        return tf.matMul(rows as TF.Tensor2D, get('visual.proj') as TF.Tensor2D);
      });
    },
    text(ids, pool) {
      return tf.tidy(() => {
        const [B, L] = ids.shape;
        const W = TEXT.width;
        const upper = tf.sub(tf.ones([L, L]), tf.linalg.bandPart(tf.ones([L, L]), -1, 0));
        const mask = tf.mul(upper, -1e9);
        let x = tf.reshape(tf.gather(get('token_embedding.weight'), tf.reshape(ids, [-1])), [B, L, W]);
        x = tf.add(x, tf.slice(get('positional_embedding'), [0, 0], [L, -1]));
        for (let i = 0; i < layers; i++) x = block(x, `transformer.resblocks.${i}.`, TEXT.heads, mask);
        const pooled = tf.gather(tf.reshape(layerNorm(x, 'ln_final'), [B * L, W]), pool);
        return tf.matMul(pooled as TF.Tensor2D, get('text_projection') as TF.Tensor2D);
      });
    },
    dispose() {
      // The native-size position embedding is the weight itself: dispose each tensor once.
      for (const t of new Set([...vars.values(), ...posCache.values()])) t.dispose();
    },
  };
}
