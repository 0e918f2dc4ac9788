/**
 * CLIP model configuration read from OpenCLIP's `open_clip_config.json` (`model_cfg` + `preprocess_cfg`), with
 * OpenCLIP's defaults for every field a hub config leaves out. Only the towers this project implements are accepted:
 * ViT vision towers with token pooling and the standard text transformer.
 */
export interface VisionConfig {
  imageSize: [number, number];
  patchSize: number;
  width: number;
  layers: number;
  heads: number;
  mlpWidth: number;
}

export interface TextConfig {
  contextLength: number;
  vocabSize: number;
  width: number;
  heads: number;
  layers: number;
  mlpWidth: number;
}

export interface ClipConfig {
  embedDim: number;
  /** QuickGELU x*sigmoid(1.702x) (OpenAI weights) instead of exact erf GELU. */
  quickGelu: boolean;
  vision: VisionConfig;
  text: TextConfig;
  /** CLIP's own input normalisation (0..1 scale). */
  mean: [number, number, number];
  std: [number, number, number];
  /** OpenCLIP's LayerNorm eps. */
  lnEps: number;
}

const OPENAI_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
const OPENAI_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

type Json = Record<string, unknown>;

function num(o: Json, key: string, where: string, dflt?: number): number {
  const v = o[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}.${key}: expected a number, got ${JSON.stringify(o[key])}`);
  return v;
}

function posInt(o: Json, key: string, where: string, dflt?: number): number {
  const v = num(o, key, where, dflt);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${where}.${key}: expected a positive integer, got ${v}`);
  return v;
}

function unsupported(o: Json, keys: string[], where: string): void {
  for (const k of keys) {
    const v = o[k];
    if (v !== undefined && v !== null && v !== false && v !== 'tok') throw new Error(`${where}.${k} = ${JSON.stringify(v)} is not supported`);
  }
}

/** Parse the JSON text (or object) of an OpenCLIP config; `source` names the file in errors. */
export function parseOpenClipConfig(input: string | Json, source = 'open_clip_config.json'): ClipConfig {
  let root: Json;
  if (typeof input === 'string') {
    try {
      root = JSON.parse(input) as Json;
    } catch (e) {
      throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
    }
  } else root = input;
  if (!root || typeof root !== 'object') throw new Error(`${source}: expected a JSON object`);
  // The hub file nests the model under model_cfg; OpenCLIP's model_configs/*.json are the model_cfg itself.
  const model = (root.model_cfg ?? root) as Json;
  const where = `${source}: model_cfg`;
  const vc = model.vision_cfg as Json | undefined;
  const tc = model.text_cfg as Json | undefined;
  if (!vc || typeof vc !== 'object') throw new Error(`${where}.vision_cfg is missing`);
  if (!tc || typeof tc !== 'object') throw new Error(`${where}.text_cfg is missing`);
  unsupported(vc, ['timm_model_name', 'attentional_pool', 'no_ln_pre', 'final_ln_after_pool', 'pos_embed_type', 'ls_init_value'], `${where}.vision_cfg`);
  unsupported(tc, ['hf_model_name', 'no_causal_mask', 'embed_cls', 'final_ln_after_pool', 'ls_init_value'], `${where}.text_cfg`);
  if (vc.pool_type !== undefined && vc.pool_type !== 'tok') throw new Error(`${where}.vision_cfg.pool_type = ${JSON.stringify(vc.pool_type)} is not supported`);
  if (tc.pool_type !== undefined && tc.pool_type !== 'argmax') throw new Error(`${where}.text_cfg.pool_type = ${JSON.stringify(tc.pool_type)} is not supported`);

  const vWidth = posInt(vc, 'width', `${where}.vision_cfg`, 768);
  const headWidth = posInt(vc, 'head_width', `${where}.vision_cfg`, 64);
  if (vWidth % headWidth !== 0) throw new Error(`${where}.vision_cfg: width ${vWidth} is not a multiple of head_width ${headWidth}`);
  const size = vc.image_size ?? 224;
  const imageSize: [number, number] = Array.isArray(size) ? [Number(size[0]), Number(size[1])] : [Number(size), Number(size)];
  const patchSize = posInt(vc, 'patch_size', `${where}.vision_cfg`, 16);
  if (imageSize.some((s) => !Number.isInteger(s) || s <= 0 || s % patchSize !== 0)) {
    throw new Error(`${where}.vision_cfg.image_size ${JSON.stringify(size)} must be positive multiples of patch_size ${patchSize}`);
  }
  const tWidth = posInt(tc, 'width', `${where}.text_cfg`, 512);
  const tHeads = posInt(tc, 'heads', `${where}.text_cfg`, 8);
  if (tWidth % tHeads !== 0) throw new Error(`${where}.text_cfg: width ${tWidth} is not a multiple of heads ${tHeads}`);

  const pre = (root.preprocess_cfg ?? {}) as Json;
  const triple = (v: unknown, dflt: [number, number, number], key: string): [number, number, number] => {
    if (v === undefined) return dflt;
    if (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== 'number')) throw new Error(`${source}: preprocess_cfg.${key} must be 3 numbers`);
    return [v[0], v[1], v[2]];
  };
  return {
    embedDim: posInt(model, 'embed_dim', where),
    quickGelu: model.quick_gelu === true,
    vision: {
      imageSize,
      patchSize,
      width: vWidth,
      layers: posInt(vc, 'layers', `${where}.vision_cfg`, 12),
      heads: vWidth / headWidth,
      mlpWidth: Math.round(vWidth * num(vc, 'mlp_ratio', `${where}.vision_cfg`, 4.0)),
    },
    text: {
      contextLength: posInt(tc, 'context_length', `${where}.text_cfg`, 77),
      vocabSize: posInt(tc, 'vocab_size', `${where}.text_cfg`, 49408),
      width: tWidth,
      heads: tHeads,
      layers: posInt(tc, 'layers', `${where}.text_cfg`, 12),
      mlpWidth: Math.round(tWidth * num(tc, 'mlp_ratio', `${where}.text_cfg`, 4.0)),
    },
    mean: triple(pre.mean, OPENAI_MEAN, 'mean'),
    std: triple(pre.std, OPENAI_STD, 'std'),
    lnEps: 1e-5,
  };
}
