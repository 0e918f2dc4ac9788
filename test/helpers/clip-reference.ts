/**
 * A plain float64 OpenCLIP `CLIP` forward (v2.24.0 semantics) and ClearCLIP's modified last block, straight from an
 * OpenCLIP state dict in PyTorch layouts (Linear weight [out, in], conv1 [D, 3, p, p], proj / text_projection
 * [width, embed]). Written from the clip-tiny-b16 fixture README and OpenCLIP's module definitions, deliberately
 * without looking at packages/vit, so that it can produce reference tensors for synthetic fixtures: a shared
 * misreading would otherwise pass unnoticed. Widths, patch size, layer counts and the pretrained grid come from the
 * tensor shapes, as OpenCLIP's modules would have them; only the head counts and the activation need the config.
 * The segmentor part (class file, query features, forward_slide, postprocess_result) follows the README's "Upstream
 * behaviour" items 6-9 and upstream's clearclip_segmentor.py; only the tokenizer and the 80 prompt templates are the
 * project's (both checked against upstream's tensors on their own and through queries.features).
 * Slow and simple on purpose: tiny models only.
 */

export interface RefTensor {
  shape: number[];
  data: ArrayLike<number>;
}
export type StateDict = Map<string, RefTensor>;

export interface RefConfig {
  quickGelu: boolean;
  visionHeads: number;
  textHeads: number;
}

/** The three facts the shapes do not tell, from an `open_clip_config.json` (hub `model_cfg` or bare model config). */
export function refConfigFromOpenClip(json: Record<string, any>): RefConfig { // eslint-disable-line @typescript-eslint/no-explicit-any
  const m = json.model_cfg ?? json;
  const vWidth: number = m.vision_cfg.width;
  const headWidth: number = m.vision_cfg.head_width ?? 64;
  return { quickGelu: m.quick_gelu === true, visionHeads: vWidth / headWidth, textHeads: m.text_cfg.heads ?? 8 };
}

export type AttentionVariant = 'vanilla' | 'ClearCLIP' | 'MaskCLIP' | 'SCLIP';

function get(sd: StateDict, key: string): RefTensor {
  const t = sd.get(key);
  if (!t) throw new Error(`clip-reference: state dict has no '${key}'`);
  return t;
}

function layerCount(sd: StateDict, prefix: string): number {
  let n = 0;
  while (sd.has(`${prefix}.resblocks.${n}.ln_1.weight`)) n++;
  return n;
}

/**
 * erf in double precision from the all-positive series erf(x) = 2/sqrt(pi) e^{-x^2} sum_n x (2x^2)^n / (2n+1)!!,
 * which has no cancellation; beyond |x| = 6, erfc < 3e-17 so erf is +-1 to double precision.
 */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  const x2 = 2 * a * a;
  let term = a;
  let sum = a;
  for (let n = 1; n < 500; n++) {
    term *= x2 / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum;
}

const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
const quickGelu = (x: number) => x / (1 + Math.exp(-1.702 * x));

/** y[L, out] = x[L, in] W^T + b with W in PyTorch's [out, in] layout. */
function linear(x: Float64Array, L: number, W: RefTensor, b: RefTensor | null): Float64Array {
  const [out, inF] = W.shape;
  const w = W.data;
  const y = new Float64Array(L * out);
  for (let l = 0; l < L; l++) {
    for (let o = 0; o < out; o++) {
      let s = b ? b.data[o] : 0;
      for (let i = 0; i < inF; i++) s += x[l * inF + i] * w[o * inF + i];
      y[l * out + o] = s;
    }
  }
  return y;
}

/** y[L, out] = x[L, in] P with P stored [in, out] (visual.proj, text_projection). */
function project(x: Float64Array, L: number, P: RefTensor): Float64Array {
  const [inF, out] = P.shape;
  const y = new Float64Array(L * out);
  for (let l = 0; l < L; l++) {
    for (let o = 0; o < out; o++) {
      let s = 0;
      for (let i = 0; i < inF; i++) s += x[l * inF + i] * P.data[i * out + o];
      y[l * out + o] = s;
    }
  }
  return y;
}

/** torch.nn.LayerNorm over the last axis: biased variance, eps 1e-5 (OpenCLIP's default). */
function layerNorm(x: Float64Array, L: number, D: number, w: RefTensor, b: RefTensor): Float64Array {
  const y = new Float64Array(L * D);
  for (let l = 0; l < L; l++) {
    let mean = 0;
    for (let d = 0; d < D; d++) mean += x[l * D + d];
    mean /= D;
    let v = 0;
    for (let d = 0; d < D; d++) v += (x[l * D + d] - mean) ** 2;
    const r = 1 / Math.sqrt(v / D + 1e-5);
    for (let d = 0; d < D; d++) y[l * D + d] = (x[l * D + d] - mean) * r * w.data[d] + b.data[d];
  }
  return y;
}

/** Row softmax of s * a b^T over one head's columns [off, off+hd) of a and b, both [L, ld]; -inf above the diagonal if causal. */
function scores(a: Float64Array, b: Float64Array, L: number, ld: number, off: number, hd: number, causal: boolean): Float64Array {
  const s = hd ** -0.5;
  const p = new Float64Array(L * L);
  for (let i = 0; i < L; i++) {
    let max = -Infinity;
    for (let j = 0; j < L; j++) {
      let v = -Infinity;
      if (!causal || j <= i) {
        v = 0;
        for (let d = 0; d < hd; d++) v += a[i * ld + off + d] * b[j * ld + off + d];
        v *= s;
      }
      p[i * L + j] = v;
      max = Math.max(max, v);
    }
    let sum = 0;
    for (let j = 0; j < L; j++) sum += p[i * L + j] = Math.exp(p[i * L + j] - max);
    for (let j = 0; j < L; j++) p[i * L + j] /= sum;
  }
  return p;
}

/**
 * out_proj(Attn(x)) of one `nn.MultiheadAttention` (q, k, v from in_proj with its bias), with ClearCLIP's attention
 * variants: vanilla softmax(q k^T s) v, ClearCLIP softmax(q q^T s) v, MaskCLIP v, SCLIP (softmax(q q^T s) + softmax(k k^T s)) v.
 */
function attention(sd: StateDict, pre: string, x: Float64Array, L: number, heads: number, variant: AttentionVariant, causal: boolean): Float64Array {
  const qkv = linear(x, L, get(sd, `${pre}.in_proj_weight`), get(sd, `${pre}.in_proj_bias`));
  const D = get(sd, `${pre}.out_proj.weight`).shape[0];
  const hd = D / heads;
  const q = new Float64Array(L * D);
  const k = new Float64Array(L * D);
  const v = new Float64Array(L * D);
  for (let l = 0; l < L; l++) {
    for (let d = 0; d < D; d++) {
      q[l * D + d] = qkv[l * 3 * D + d];
      k[l * D + d] = qkv[l * 3 * D + D + d];
      v[l * D + d] = qkv[l * 3 * D + 2 * D + d];
    }
  }
  const o = new Float64Array(L * D);
  for (let h = 0; h < heads; h++) {
    const off = h * hd;
    if (variant === 'MaskCLIP') {
      for (let l = 0; l < L; l++) for (let d = 0; d < hd; d++) o[l * D + off + d] = v[l * D + off + d];
      continue;
    }
    const P =
      variant === 'vanilla' ? scores(q, k, L, D, off, hd, causal)
      : variant === 'ClearCLIP' ? scores(q, q, L, D, off, hd, causal)
      : (() => {
          const a = scores(q, q, L, D, off, hd, causal);
          const b = scores(k, k, L, D, off, hd, causal);
          for (let i = 0; i < a.length; i++) a[i] += b[i];
          return a;
        })();
    for (let i = 0; i < L; i++) {
      for (let d = 0; d < hd; d++) {
        let s = 0;
        for (let j = 0; j < L; j++) s += P[i * L + j] * v[j * D + off + d];
        o[i * D + off + d] = s;
      }
    }
  }
  return linear(o, L, get(sd, `${pre}.out_proj.weight`), get(sd, `${pre}.out_proj.bias`));
}

function mlp(sd: StateDict, pre: string, x: Float64Array, L: number, quick: boolean): Float64Array {
  const h = linear(x, L, get(sd, `${pre}.c_fc.weight`), get(sd, `${pre}.c_fc.bias`));
  const act = quick ? quickGelu : gelu;
  for (let i = 0; i < h.length; i++) h[i] = act(h[i]);
  return linear(h, L, get(sd, `${pre}.c_proj.weight`), get(sd, `${pre}.c_proj.bias`));
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  const y = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) y[i] = a[i] + b[i];
  return y;
}

interface BlockForm {
  variant: AttentionVariant;
  /** false: ClearCLIP's ignore_residual, the block returns the attention branch alone (and no MLP). */
  residual: boolean;
}

/** A residual attention block: x + attn(ln_1 x), then + mlp(ln_2 .); or ClearCLIP's modified form of it. */
function block(sd: StateDict, pre: string, x: Float64Array, L: number, heads: number, quick: boolean, causal: boolean, form?: BlockForm): Float64Array {
  const D = get(sd, `${pre}.ln_1.weight`).shape[0];
  const a = attention(sd, `${pre}.attn`, layerNorm(x, L, D, get(sd, `${pre}.ln_1.weight`), get(sd, `${pre}.ln_1.bias`)), L, heads, form?.variant ?? 'vanilla', causal);
  if (form && !form.residual) return a;
  const y = add(x, a);
  return add(y, mlp(sd, `${pre}.mlp`, layerNorm(y, L, D, get(sd, `${pre}.ln_2.weight`), get(sd, `${pre}.ln_2.bias`)), L, quick));
}

// --- PyTorch bicubic (A = -0.75), align_corners=False, with an explicit scale factor --------------------------

function cubicWeights(t: number): [number, number, number, number] {
  const A = -0.75;
  const near = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
  const far = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/** For each output index: the 4 clamped source taps and their weights, src = (dst + 0.5) / scale - 0.5 (not clamped). */
function cubicTaps(n: number, g: number, scale: number): { idx: number[]; w: number[] }[] {
  const out = [];
  for (let dst = 0; dst < g; dst++) {
    const src = (dst + 0.5) / scale - 0.5;
    const f = Math.floor(src);
    const w = cubicWeights(src - f);
    const idx = [f - 1, f, f + 1, f + 2].map((i) => Math.min(Math.max(i, 0), n - 1));
    out.push({ idx, w });
  }
  return out;
}

/**
 * `interpolate_pos_encoding` of ClearCLIP's VisionTransformer: the table unchanged when the token count matches
 * (even for a non-square grid of the same size), else F.interpolate(scale_factor=((gh+0.1)/n, (gw+0.1)/n),
 * bicubic); the CLS row is copied. Returns [1 + gh*gw, width].
 */
export function positionEmbedding(sd: StateDict, gh: number, gw: number): Float64Array {
  const pos = get(sd, 'visual.positional_embedding');
  const [rows, D] = pos.shape;
  const N = rows - 1;
  if (gh * gw === N) return Float64Array.from(pos.data);
  const n = Math.round(Math.sqrt(N));
  if (n * n !== N) throw new Error(`clip-reference: ${N} position rows are not a square grid`);
  const ty = cubicTaps(n, gh, (gh + 0.1) / n);
  const tx = cubicTaps(n, gw, (gw + 0.1) / n);
  const y = new Float64Array((1 + gh * gw) * D);
  for (let d = 0; d < D; d++) y[d] = pos.data[d];
  for (let oy = 0; oy < gh; oy++) {
    for (let ox = 0; ox < gw; ox++) {
      for (let d = 0; d < D; d++) {
        let s = 0;
        for (let a = 0; a < 4; a++) {
          let r = 0;
          for (let b = 0; b < 4; b++) r += tx[ox].w[b] * pos.data[(1 + ty[oy].idx[a] * n + tx[ox].idx[b]) * D + d];
          s += ty[oy].w[a] * r;
        }
        y[(1 + oy * gw + ox) * D + d] = s;
      }
    }
  }
  return y;
}

// --- Vision tower ---------------------------------------------------------------------------------------------

export interface VisionTrace {
  gh: number;
  gw: number;
  /** [cls; patches] + pos, [L, width]. */
  embed: Float64Array;
  lnPre: Float64Array;
  /** Output of each unmodified block. */
  blocks: Float64Array[];
  /** ln_post(token 0) @ proj, [embed_dim]. */
  pooled: Float64Array;
}

/** conv1 (stride p, no bias) on an NCHW [1, 3, H, W] image, then [cls; patches] + position embedding. */
function embedImage(sd: StateDict, img: ArrayLike<number>, H: number, W: number): { x: Float64Array; gh: number; gw: number } {
  const conv = get(sd, 'visual.conv1.weight');
  const [D, C, p] = conv.shape;
  const gh = Math.floor(H / p);
  const gw = Math.floor(W / p);
  const L = 1 + gh * gw;
  const pos = positionEmbedding(sd, gh, gw);
  const cls = get(sd, 'visual.class_embedding');
  const x = new Float64Array(L * D);
  for (let d = 0; d < D; d++) x[d] = cls.data[d] + pos[d];
  for (let py = 0; py < gh; py++) {
    for (let px = 0; px < gw; px++) {
      const t = 1 + py * gw + px;
      for (let d = 0; d < D; d++) {
        let s = 0;
        for (let c = 0; c < C; c++) {
          for (let ky = 0; ky < p; ky++) {
            for (let kx = 0; kx < p; kx++) s += conv.data[((d * C + c) * p + ky) * p + kx] * img[(c * H + py * p + ky) * W + px * p + kx];
          }
        }
        x[t * D + d] = s + pos[t * D + d];
      }
    }
  }
  return { x, gh, gw };
}

function visionStem(sd: StateDict, img: ArrayLike<number>, H: number, W: number) {
  const { x, gh, gw } = embedImage(sd, img, H, W);
  const D = get(sd, 'visual.class_embedding').shape[0];
  const L = 1 + gh * gw;
  return { embed: x, lnPre: layerNorm(x, L, D, get(sd, 'visual.ln_pre.weight'), get(sd, 'visual.ln_pre.bias')), gh, gw, L, D };
}

/** Unmodified encode_image with every intermediate. */
export function encodeImage(sd: StateDict, cfg: RefConfig, img: ArrayLike<number>, H: number, W: number): VisionTrace {
  const { embed, lnPre, gh, gw, L, D } = visionStem(sd, img, H, W);
  const blocks: Float64Array[] = [];
  let x = lnPre;
  for (let i = 0; i < layerCount(sd, 'visual.transformer'); i++) {
    x = block(sd, `visual.transformer.resblocks.${i}`, x, L, cfg.visionHeads, cfg.quickGelu, false);
    blocks.push(x);
  }
  const cls = layerNorm(x.subarray(0, D), 1, D, get(sd, 'visual.ln_post.weight'), get(sd, 'visual.ln_post.bias'));
  return { gh, gw, embed, lnPre, blocks, pooled: project(cls, 1, get(sd, 'visual.proj')) };
}

/**
 * ClearCLIP's dense forward (last_n_layers = 1): standard blocks but the last, which runs `variant` attention and,
 * when `residual` is false, returns out_proj(attn(ln_1 x)) alone; then ln_post on all tokens, drop CLS, @ proj.
 * Returns [gh*gw, embed_dim].
 */
export function encodeDense(sd: StateDict, cfg: RefConfig, img: ArrayLike<number>, H: number, W: number, variant: AttentionVariant, residual: boolean): Float64Array {
  const { lnPre, L, D } = visionStem(sd, img, H, W);
  const layers = layerCount(sd, 'visual.transformer');
  let x = lnPre;
  for (let i = 0; i < layers; i++) {
    const last = i === layers - 1;
    x = block(sd, `visual.transformer.resblocks.${i}`, x, L, cfg.visionHeads, cfg.quickGelu, false, last ? { variant, residual } : undefined);
  }
  const y = layerNorm(x, L, D, get(sd, 'visual.ln_post.weight'), get(sd, 'visual.ln_post.bias'));
  return project(y.subarray(D), L - 1, get(sd, 'visual.proj'));
}

// --- Text tower -----------------------------------------------------------------------------------------------

/** encode_text for `count` rows of `ids` ([count, context]): causal blocks, ln_final, the row at argmax id (first max), @ text_projection. */
export function encodeText(sd: StateDict, cfg: RefConfig, ids: ArrayLike<number>, count: number): Float64Array {
  const emb = get(sd, 'token_embedding.weight');
  const pos = get(sd, 'positional_embedding');
  const [ctx, D] = pos.shape;
  const proj = get(sd, 'text_projection');
  const E = proj.shape[1];
  const layers = layerCount(sd, 'transformer');
  const out = new Float64Array(count * E);
  for (let r = 0; r < count; r++) {
    let eot = 0;
    for (let l = 0; l < ctx; l++) if (ids[r * ctx + l] > ids[r * ctx + eot]) eot = l;
    // The mask is causal and only row eot is pooled, so rows after it cannot change the result: they are not
    // computed (exactly the same numbers, exp(-inf) adds an exact 0 to every softmax sum).
    const n = eot + 1;
    let x: Float64Array = new Float64Array(n * D);
    for (let l = 0; l < n; l++) {
      const id = ids[r * ctx + l];
      for (let d = 0; d < D; d++) x[l * D + d] = emb.data[id * D + d] + pos.data[l * D + d];
    }
    for (let i = 0; i < layers; i++) x = block(sd, `transformer.resblocks.${i}`, x, n, cfg.textHeads, cfg.quickGelu, true);
    const row = layerNorm(x.subarray(eot * D, (eot + 1) * D), 1, D, get(sd, 'ln_final.weight'), get(sd, 'ln_final.bias'));
    out.set(project(row, 1, proj), r * E);
  }
  return out;
}

// --- ClearCLIP's segmentor (clearclip_segmentor.py): queries, forward_slide, postprocess_result -------------------

/** `get_cls_idx`: readlines(), each line split on "," without stripping, "\n" removed; line i is class i. */
export function classFileRef(text: string): { queries: string[]; queryClass: number[] } {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const queries: string[] = [];
  const queryClass: number[] = [];
  lines.forEach((line, i) => {
    for (const name of line.split(',')) {
      queries.push(name.replaceAll('\n', ''));
      queryClass.push(i);
    }
  });
  return { queries, queryClass };
}

function l2Rows(x: Float64Array, rows: number, D: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += x[r * D + d] ** 2;
    const n = Math.sqrt(s);
    for (let d = 0; d < D; d++) y[r * D + d] = x[r * D + d] / n;
  }
  return y;
}

/**
 * The segmentor's query_features [Q, embed_dim]: for each name, every template -> tokenize -> encode_text -> L2 per
 * prompt -> mean -> L2. The token ids come from `tokenize` (strings -> [n, 77] ids): the tokenizer is checked on its
 * own against upstream's ids, and this reference is about the tower and the pooling.
 */
export function queryFeaturesRef(
  sd: StateDict,
  cfg: RefConfig,
  names: string[],
  templates: readonly ((c: string) => string)[],
  tokenize: (texts: string[]) => Int32Array,
): Float64Array {
  const E = get(sd, 'text_projection').shape[1];
  const T = templates.length;
  const out = new Float64Array(names.length * E);
  names.forEach((name, q) => {
    const f = l2Rows(encodeText(sd, cfg, tokenize(templates.map((t) => t(name))), T), T, E);
    const mean = new Float64Array(E);
    for (let t = 0; t < T; t++) for (let e = 0; e < E; e++) mean[e] += f[t * E + e];
    for (let e = 0; e < E; e++) mean[e] /= T;
    out.set(l2Rows(mean, 1, E), q * E);
  });
  return out;
}

/** F.interpolate(x [C, inH, inW], size=(outH, outW), mode='bilinear', align_corners=False). */
export function bilinearRef(x: ArrayLike<number>, C: number, inH: number, inW: number, outH: number, outW: number): Float64Array {
  const axis = (inS: number, outS: number) => {
    const taps: { i0: number; i1: number; t: number }[] = [];
    for (let d = 0; d < outS; d++) {
      const src = Math.max((d + 0.5) * (inS / outS) - 0.5, 0);
      const i0 = Math.min(Math.floor(src), inS - 1);
      taps.push({ i0, i1: Math.min(i0 + 1, inS - 1), t: src - i0 });
    }
    return taps;
  };
  const ys = axis(inH, outH);
  const xs = axis(inW, outW);
  const y = new Float64Array(C * outH * outW);
  for (let c = 0; c < C; c++) {
    const o = c * inH * inW;
    for (let oy = 0; oy < outH; oy++) {
      const { i0: y0, i1: y1, t: ty } = ys[oy];
      for (let ox = 0; ox < outW; ox++) {
        const { i0: x0, i1: x1, t: tx } = xs[ox];
        const top = x[o + y0 * inW + x0] * (1 - tx) + x[o + y0 * inW + x1] * tx;
        const bot = x[o + y1 * inW + x0] * (1 - tx) + x[o + y1 * inW + x1] * tx;
        y[(c * outH + oy) * outW + ox] = top * (1 - ty) + bot * ty;
      }
    }
  }
  return y;
}

export interface SlideRefOptions {
  crop: number;
  stride: number;
  variant: AttentionVariant;
  /** !ignore_residual. */
  residual: boolean;
  /** img_metas ori_shape [H, W]; the input size when absent. */
  oriShape?: [number, number];
}

/**
 * `forward_slide`: windows of `crop` every `stride` (the last one shifted back to the border), each zero-padded
 * centred to a multiple of the patch (compute_padsize), `forward_feature` on it (dense features, L2, @ queries^T,
 * [Q, gh, gw] bilinear to the padded size), padding cut, summed into the image, divided by the cover count, then
 * bilinear to ori_shape. image: normalised [3, H, W]; queries [Q, E]. Returns raw cosine logits [Q, oH, oW].
 */
export function forwardSlideRef(sd: StateDict, cfg: RefConfig, image: ArrayLike<number>, H: number, W: number, queries: Float64Array, Q: number, o: SlideRefOptions): Float64Array {
  const p = get(sd, 'visual.conv1.weight').shape[2];
  const E = queries.length / Q;
  const grids = (side: number) => Math.floor(Math.max(side - o.crop + o.stride - 1, 0) / o.stride) + 1;
  const padOf = (side: number): [number, number] => (side % p ? [Math.floor((p - (side % p)) / 2), p - (side % p) - Math.floor((p - (side % p)) / 2)] : [0, 0]);
  const preds = new Float64Array(Q * H * W);
  const count = new Float64Array(H * W);
  for (let hi = 0; hi < grids(H); hi++) {
    for (let wi = 0; wi < grids(W); wi++) {
      const y2 = Math.min(hi * o.stride + o.crop, H);
      const x2 = Math.min(wi * o.stride + o.crop, W);
      const y1 = Math.max(y2 - o.crop, 0);
      const x1 = Math.max(x2 - o.crop, 0);
      const h = y2 - y1;
      const w = x2 - x1;
      const [t, b] = padOf(h);
      const [l, r] = padOf(w);
      const ph = h + t + b;
      const pw = w + l + r;
      const crop = new Float64Array(3 * ph * pw);
      for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) crop[(c * ph + t + y) * pw + l + x] = image[(c * H + y1 + y) * W + x1 + x];
      const gh = ph / p;
      const gw = pw / p;
      const f = l2Rows(encodeDense(sd, cfg, crop, ph, pw, o.variant, o.residual), gh * gw, E);
      const grid = new Float64Array(Q * gh * gw);
      for (let g = 0; g < gh * gw; g++) {
        for (let q = 0; q < Q; q++) {
          let s = 0;
          for (let e = 0; e < E; e++) s += f[g * E + e] * queries[q * E + e];
          grid[q * gh * gw + g] = s;
        }
      }
      const up = bilinearRef(grid, Q, gh, gw, ph, pw);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          count[(y1 + y) * W + x1 + x] += 1;
          for (let q = 0; q < Q; q++) preds[(q * H + y1 + y) * W + x1 + x] += up[(q * ph + t + y) * pw + l + x];
        }
      }
    }
  }
  for (let i = 0; i < preds.length; i++) preds[i] /= count[i % (H * W)];
  const [oH, oW] = o.oriShape ?? [H, W];
  return bilinearRef(preds, Q, H, W, oH, oW);
}

/**
 * `postprocess_result` on logits [Q, n]: softmax(logit_scale * logits) over the queries, max over each class's
 * queries (when a class has synonyms), first argmax, 0 where the top probability < prob_thd. `gaps` counts the
 * pixels whose top-2 class probabilities differ by less than each threshold (near ties that any rounding may flip);
 * `thdMargin` is the smallest |top probability - prob_thd| (a pixel that close to the threshold may flip to 0 or back).
 */
export function postprocessRef(
  logits: Float64Array,
  queryClass: number[],
  n: number,
  logitScale: number,
  probThd: number,
  gapThresholds: number[] = [1e-4, 1e-2],
): { probs: Float64Array; pred: Int32Array; gaps: number[]; thdMargin: number } {
  const Q = queryClass.length;
  const C = Math.max(...queryClass) + 1;
  const probs = new Float64Array(C * n);
  const pred = new Int32Array(n);
  const gaps = gapThresholds.map(() => 0);
  let thdMargin = Infinity;
  const e = new Float64Array(Q);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let q = 0; q < Q; q++) m = Math.max(m, logitScale * logits[q * n + i]);
    let s = 0;
    for (let q = 0; q < Q; q++) s += e[q] = Math.exp(logitScale * logits[q * n + i] - m);
    // Without synonyms upstream keeps the softmax as it is; the max over one query is the same thing.
    for (let q = 0; q < Q; q++) probs[queryClass[q] * n + i] = Math.max(probs[queryClass[q] * n + i], e[q] / s);
    let best = 0;
    let top = -Infinity;
    let second = -Infinity;
    for (let c = 0; c < C; c++) {
      const v = probs[c * n + i];
      if (v > top) {
        second = top;
        top = v;
        best = c;
      } else if (v > second) second = v;
    }
    pred[i] = top < probThd ? 0 : best;
    thdMargin = Math.min(thdMargin, Math.abs(top - probThd));
    gapThresholds.forEach((g, k) => {
      if (top - second < g) gaps[k]++;
    });
  }
  return { probs, pred, gaps, thdMargin };
}
