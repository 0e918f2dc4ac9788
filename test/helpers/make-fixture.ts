import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeSafetensors, type StTensorIn } from '@clearclip/tensor/safetensors';
import { ClipTokenizer } from '@clearclip/vit';
import { OPENAI_IMAGENET_TEMPLATES } from '../../packages/clearclip/src/templates.js';
import {
  type AttentionVariant,
  type RefConfig,
  type StateDict,
  classFileRef,
  encodeDense,
  encodeImage,
  encodeText,
  forwardSlideRef,
  positionEmbedding,
  postprocessRef,
  queryFeaturesRef,
} from './clip-reference.js';
import { rng } from './random.js';

/**
 * A synthetic parity fixture in exactly the clip-tiny-b16 layout (open_clip_config.json, open_clip_model.safetensors,
 * reference.safetensors, settings.json, README.md), for model shapes the one upstream fixture does not cover. The
 * reference tensors come from the float64 reference in clip-reference.ts (checked against the upstream fixture by
 * test/vit/generic-config.test.ts), computed from exactly the float32 weights and inputs that are stored, and stored
 * as float32 like upstream's. With `queries` / `segmentation` it also holds queries.*, seg.* (seg.pred_ori with
 * `predOri`) and the segmentation variants of the README's naming rules, with settings.stats near-tie counts.
 */
export interface FixtureSpec {
  seed: number;
  quickGelu: boolean;
  embedDim: number;
  vision: { imageSize: number; patch: number; width: number; headWidth: number; layers: number };
  text: { width: number; heads: number; layers: number };
  /** Inputs [H, W] besides the square one: each gets vision.input_<size> and dense.ClearCLIP.noresid_<size>. */
  extraInputs: [number, number][];
  /** Grids [gh, gw] stored as vision.pos_embed_<gh>x<gw>. */
  posGrids: [number, number][];
  /** text_tower.prompts -> text.ids, text.features. */
  prompts: string[];
  /** tokenizer.strings -> tokens.ids. */
  strings: string[];
  /** queries.classes_file_contents -> queries.features, queries.class_index. */
  queries?: string;
  segmentation?: SegSpec;
}

/** A segmentation of a random RGB image, as upstream's segmentor would run it (see the fixture README). */
export interface SegSpec {
  /** [H, W] of the random uint8 image (seg.image_rgb) the segmentor sees. */
  image: [number, number];
  classes: string;
  modelType: AttentionVariant;
  ignoreResidual: boolean;
  crop: number;
  stride: number;
  logitScale: number;
  probThd: number;
  /** ori_shape [H, W] for seg.pred_ori; none stored when absent. */
  predOri?: [number, number];
  /** `<prefix>.logits`, `.pred` and, unless probs is false, `.probs`. */
  variants: { prefix: string; model_type: AttentionVariant; ignore_residual: boolean; probs?: boolean }[];
}

export interface Fixture {
  dir: string;
  /** Every tensor name in reference.safetensors. */
  names: string[];
  /** Per prediction tensor (seg.pred, seg.pred_ori, <prefix>.pred): pixels whose reference top-2 gap is below 1e-4. */
  nearTies: Record<string, number>;
}

const CONTEXT = 77;
const VOCAB = 49408;
const VARIANTS: AttentionVariant[] = ['vanilla', 'ClearCLIP', 'MaskCLIP', 'SCLIP'];

const sizeName = (h: number, w: number) => (h === w ? `${h}` : `${h}x${w}`);

/** OpenCLIP's state dict for the spec: key names and PyTorch shapes; LayerNorm params perturbed away from 1/0. */
function randomStateDict(spec: FixtureSpec): StateDict {
  const r = rng(spec.seed);
  const sd: StateDict = new Map();
  const u = (shape: number[], scale: number, centre = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = centre + scale * (2 * r() - 1);
    return { shape, data };
  };
  // Unit-variance outputs for unit-variance inputs (uniform on +-sqrt(3/fan_in)) keep every layer's activations O(1).
  const fan = (out: number, inF: number) => u([out, inF], Math.sqrt(3 / inF));
  const ln = (pre: string, D: number) => {
    sd.set(`${pre}.weight`, u([D], 0.2, 1));
    sd.set(`${pre}.bias`, u([D], 0.1));
  };
  const blocks = (pre: string, D: number, layers: number) => {
    for (let i = 0; i < layers; i++) {
      const b = `${pre}.resblocks.${i}`;
      sd.set(`${b}.attn.in_proj_weight`, fan(3 * D, D));
      sd.set(`${b}.attn.in_proj_bias`, u([3 * D], 0.1));
      sd.set(`${b}.attn.out_proj.weight`, fan(D, D));
      sd.set(`${b}.attn.out_proj.bias`, u([D], 0.05));
      ln(`${b}.ln_1`, D);
      ln(`${b}.ln_2`, D);
      sd.set(`${b}.mlp.c_fc.weight`, fan(4 * D, D));
      sd.set(`${b}.mlp.c_fc.bias`, u([4 * D], 0.05));
      sd.set(`${b}.mlp.c_proj.weight`, fan(D, 4 * D));
      sd.set(`${b}.mlp.c_proj.bias`, u([D], 0.05));
    }
  };
  const v = spec.vision;
  const n = v.imageSize / v.patch;
  sd.set('visual.conv1.weight', u([v.width, 3, v.patch, v.patch], Math.sqrt(3 / (3 * v.patch * v.patch))));
  sd.set('visual.class_embedding', u([v.width], 0.5));
  sd.set('visual.positional_embedding', u([1 + n * n, v.width], 0.5));
  ln('visual.ln_pre', v.width);
  blocks('visual.transformer', v.width, v.layers);
  ln('visual.ln_post', v.width);
  sd.set('visual.proj', u([v.width, spec.embedDim], Math.sqrt(3 / v.width)));
  const t = spec.text;
  sd.set('token_embedding.weight', u([VOCAB, t.width], 0.5));
  sd.set('positional_embedding', u([CONTEXT, t.width], 0.2));
  blocks('transformer', t.width, t.layers);
  ln('ln_final', t.width);
  sd.set('text_projection', u([t.width, spec.embedDim], Math.sqrt(3 / t.width)));
  sd.set('logit_scale', { shape: [], data: Float32Array.of(Math.log(1 / 0.07)) });
  return sd;
}

/** Build the fixture in a fresh temp folder; the caller removes it. */
export async function makeFixture(spec: FixtureSpec, vocabPath: string): Promise<Fixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clearclip-fixture-'));
  const v = spec.vision;
  const modelCfg = {
    embed_dim: spec.embedDim,
    quick_gelu: spec.quickGelu,
    vision_cfg: { image_size: v.imageSize, layers: v.layers, width: v.width, patch_size: v.patch, head_width: v.headWidth },
    text_cfg: { context_length: CONTEXT, vocab_size: VOCAB, width: spec.text.width, heads: spec.text.heads, layers: spec.text.layers },
  };
  const cfg: RefConfig = { quickGelu: spec.quickGelu, visionHeads: v.width / v.headWidth, textHeads: spec.text.heads };
  const preprocess = { mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] };
  await writeFile(path.join(dir, 'open_clip_config.json'), JSON.stringify({ model_cfg: modelCfg, preprocess_cfg: preprocess }, null, 2));

  const sd = randomStateDict(spec);
  const weights: StTensorIn[] = [...sd.keys()].sort().map((name) => {
    const t = sd.get(name)!;
    return { name, dtype: 'F32', shape: t.shape, data: t.data as Float32Array };
  });
  await writeSafetensors(path.join(dir, 'open_clip_model.safetensors'), weights, { format: 'pt' });

  const out: StTensorIn[] = [];
  const f32 = (name: string, shape: number[], data: ArrayLike<number>) => out.push({ name, dtype: 'F32', shape, data: Float32Array.from(data) });
  const i32 = (name: string, shape: number[], data: Int32Array) => out.push({ name, dtype: 'I32', shape, data });
  const inputRng = rng(spec.seed + 1);
  const input = (h: number, w: number) => {
    const img = new Float32Array(3 * h * w);
    for (let i = 0; i < img.length; i++) img[i] = 4 * inputRng() - 2;
    f32(`vision.input_${sizeName(h, w)}`, [1, 3, h, w], img);
    return img;
  };

  const S = v.imageSize;
  const sq = sizeName(S, S);
  const img = input(S, S);
  const trace = encodeImage(sd, cfg, img, S, S);
  const L = 1 + trace.gh * trace.gw;
  f32(`vision.embed_${sq}`, [L, v.width], trace.embed);
  f32(`vision.ln_pre_${sq}`, [L, v.width], trace.lnPre);
  trace.blocks.forEach((b, i) => f32(`vision.block${i}_${sq}`, [L, v.width], b));
  f32(`vision.pooled_${sq}`, [1, spec.embedDim], trace.pooled);
  for (const variant of VARIANTS) {
    for (const resid of [true, false]) {
      f32(`dense.${variant}.${resid ? 'resid' : 'noresid'}_${sq}`, [L - 1, spec.embedDim], encodeDense(sd, cfg, img, S, S, variant, resid));
    }
  }
  for (const [h, w] of spec.extraInputs) {
    const x = input(h, w);
    const tokens = Math.floor(h / v.patch) * Math.floor(w / v.patch);
    f32(`dense.ClearCLIP.noresid_${sizeName(h, w)}`, [tokens, spec.embedDim], encodeDense(sd, cfg, x, h, w, 'ClearCLIP', false));
  }
  for (const [gh, gw] of spec.posGrids) f32(`vision.pos_embed_${gh}x${gw}`, [1 + gh * gw, v.width], positionEmbedding(sd, gh, gw));

  // The token ids come from the project's tokenizer (verified against upstream in test/vit/tokenizer.test.ts), so
  // tokens.ids only checks the runner's plumbing; text.features is the independent part.
  const tok = await ClipTokenizer.fromBpeGz(vocabPath);
  const ids = tok.tokenize(spec.prompts, CONTEXT);
  i32('text.ids', [spec.prompts.length, CONTEXT], ids);
  f32('text.features', [spec.prompts.length, spec.embedDim], encodeText(sd, cfg, ids, spec.prompts.length));
  i32('tokens.ids', [spec.strings.length, CONTEXT], tok.tokenize(spec.strings, CONTEXT));

  const tokenize = (texts: string[]) => tok.tokenize(texts, CONTEXT);
  const E = spec.embedDim;
  let queriesSettings: Record<string, unknown> | undefined;
  if (spec.queries !== undefined) {
    const cf = classFileRef(spec.queries);
    f32('queries.features', [cf.queries.length, E], queryFeaturesRef(sd, cfg, cf.queries, OPENAI_IMAGENET_TEMPLATES, tokenize));
    i32('queries.class_index', [cf.queries.length], Int32Array.from(cf.queryClass));
    queriesSettings = { classes_file_contents: spec.queries, parsed_query_words: cf.queries, templates: 'openai_imagenet_template (80)' };
  }
  const nearTies: Record<string, number> = {};
  let segSettings: Record<string, unknown> | undefined;
  const stats: Record<string, number> = {};
  const sg = spec.segmentation;
  if (sg) {
    const [H, W] = sg.image;
    const rgb = new Uint8Array(H * W * 3);
    const pixRng = rng(spec.seed + 2);
    for (let i = 0; i < rgb.length; i++) rgb[i] = Math.floor(256 * pixRng());
    out.push({ name: 'seg.image_rgb', dtype: 'U8', shape: [H, W, 3], data: rgb });
    // SegDataPreProcessor (mmseg's defaults in the segmentor): (x - mean) / std per RGB channel, NCHW.
    const mean = [122.771, 116.746, 104.094];
    const std = [68.501, 66.632, 70.323];
    const segInput = new Float32Array(3 * H * W);
    for (let c = 0; c < 3; c++) for (let i = 0; i < H * W; i++) segInput[c * H * W + i] = (rgb[3 * i + c] - mean[c]) / std[c];
    f32('seg.input', [1, 3, H, W], segInput);
    const cf = classFileRef(sg.classes);
    const Q = cf.queries.length;
    const C = Math.max(...cf.queryClass) + 1;
    const q = queryFeaturesRef(sd, cfg, cf.queries, OPENAI_IMAGENET_TEMPLATES, tokenize);
    f32('seg.query_features', [Q, E], q);
    i32('seg.query_index', [Q], Int32Array.from(cf.queryClass));
    // The float64 run uses exactly the stored float32 inputs, as upstream's does.
    const segRun = (prefix: string, variant: AttentionVariant, ignoreResidual: boolean, probs: boolean, ori?: [number, number], predName = `${prefix}.pred`) => {
      const [oH, oW] = ori ?? [H, W];
      const logits = forwardSlideRef(sd, cfg, segInput, H, W, q, Q, { crop: sg.crop, stride: sg.stride, variant, residual: !ignoreResidual, oriShape: ori });
      const pp = postprocessRef(logits, cf.queryClass, oH * oW, sg.logitScale, sg.probThd);
      // The fixture format counts near ties only by the top-2 gap; a pixel this close to prob_thd would be an
      // uncounted one, so such a fixture is not made.
      if (sg.probThd > 0 && pp.thdMargin < 1e-5) throw new Error(`makeFixture: ${predName} has a pixel within ${pp.thdMargin.toExponential(1)} of prob_thd ${sg.probThd}; choose another`);
      if (!ori) {
        f32(`${prefix}.logits`, [Q, oH, oW], logits);
        if (probs) f32(`${prefix}.probs`, [C, oH, oW], pp.probs);
        stats[`${prefix}.pixels_with_top2_gap_below_1e-4`] = pp.gaps[0];
        stats[`${prefix}.pixels_with_top2_gap_below_1e-2`] = pp.gaps[1];
      }
      i32(predName, [oH, oW], pp.pred);
      nearTies[predName] = pp.gaps[0];
    };
    segRun('seg', sg.modelType, sg.ignoreResidual, true);
    if (sg.predOri) segRun('seg', sg.modelType, sg.ignoreResidual, false, sg.predOri, 'seg.pred_ori');
    for (const v of sg.variants) segRun(v.prefix, v.model_type, v.ignore_residual, v.probs !== false);
    segSettings = {
      classes_file_contents: sg.classes,
      model_type: sg.modelType,
      ignore_residual: sg.ignoreResidual,
      logit_scale: sg.logitScale,
      prob_thd: sg.probThd,
      slide_crop: sg.crop,
      slide_stride: sg.stride,
      data_preprocessor: { mean, std, bgr_to_rgb: true },
      'ori_shape_for_seg.logits': [H, W],
      'ori_shape_for_seg.pred_ori': sg.predOri ?? null,
      variants: sg.variants.map((v) => ({ prefix: v.prefix, model_type: v.model_type, ignore_residual: v.ignore_residual })),
    };
  }
  out.sort((a, b) => (a.name < b.name ? -1 : 1));
  await writeSafetensors(path.join(dir, 'reference.safetensors'), out, { generator: 'test/helpers/make-fixture.ts', compute_dtype: 'float64 (stored as float32)' });

  const settings = {
    set: 'synthetic',
    seed: spec.seed,
    init: 'uniform +-sqrt(3/fan_in) weights, LayerNorm weight 1+U(-0.2,0.2), bias U(-0.1,0.1) (test/helpers/make-fixture.ts, mulberry32)',
    model_cfg: modelCfg,
    vision_heads: cfg.visionHeads,
    compute_dtype: 'float64 (test/helpers/clip-reference.ts); stored as float32',
    tokenizer: { function: 'ClipTokenizer (@clearclip/vit), context_length 77', strings: spec.strings },
    text_tower: { prompts: spec.prompts },
    ...(queriesSettings ? { queries: queriesSettings } : {}),
    ...(segSettings ? { segmentation: segSettings, stats } : {}),
  };
  await writeFile(path.join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
  await writeFile(
    path.join(dir, 'README.md'),
    `# Synthetic parity fixture\n\nclip-tiny-b16 layout; reference tensors from test/helpers/clip-reference.ts (float64). Model: ${JSON.stringify(modelCfg)}\n`,
  );
  return { dir, names: out.map((t) => t.name), nearTies };
}
