import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type GpuDevice, type FloatDType, type Tensor } from '@clearclip/tensor';
import { SafetensorsFile } from '@clearclip/tensor/safetensors';
import { CLIP, ClipTokenizer } from '@clearclip/vit';
import { convertCheckpoint } from '@clearclip/weights-tools';
import { existsSync } from 'node:fs';
import { parseClassFile } from '../classes.js';
import { loadTokenizer } from '../model-files.js';
import { envSettings } from '../settings.js';
import { DecomposedBlock, UPSTREAM_MODEL_TYPES, type LastBlockForm } from '../last-block.js';
import { queryFeatures } from '../queries.js';
import { slideInference, type SlideResult } from '../segment.js';
import { normalizeToNchw, segmentationNormalisation } from '../image/index.js';
import { type ParityRow, compareExact, compareFloat } from './compare.js';
import { tolerances } from './tolerances.js';

export interface ParityOptions {
  dtype?: FloatDType;
  /**
   * CLIP's BPE vocabulary. Default: the same chain as `clearclip segment` ($CLEARCLIP_VOCAB, then the
   * hub's files), with the fixture set's own ../../vocab/bpe_simple_vocab_16e6.txt.gz tried before the download.
   */
  vocab?: string;
  /** Only tensors whose name matches. */
  only?: RegExp;
  onRow?: (row: ParityRow) => void;
}

type Settings = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A tensor this runner has no way to compute (unknown model_type, missing input or setting): "not computed", never "fail". */
class NotComputable extends Error {}

/** A setting the tensor needs; its absence makes the tensor "not computed". */
function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new NotComputable(`settings.json has no ${what}`);
  return value;
}

/** A segmentation variant of the fixture README's naming rules. */
interface SegVariant {
  prefix: string;
  model_type: string;
  ignore_residual: boolean;
}

/** "ClearCLIP.noresid" -> the decomposed block form upstream runs for that model_type and ignore_residual. */
function formOf(variant: string, resid: boolean): LastBlockForm {
  const attention = UPSTREAM_MODEL_TYPES[variant];
  if (!attention) throw new NotComputable(`unknown upstream model_type "${variant}"`);
  return { attention, residual: resid, ffn: resid };
}

/**
 * Recompute every tensor of a fixture folder (open_clip_config.json, open_clip_model.safetensors, reference.safetensors,
 * settings.json) that the project can compute, by the fixture README's naming rules, through the same
 * convert-and-load path a user takes.
 */
export async function runParity(dev: GpuDevice, dir: string, opts: ParityOptions = {}): Promise<ParityRow[]> {
  const dtype = opts.dtype ?? 'f32';
  const tol = tolerances(dtype);
  const settings: Settings = JSON.parse(await readFile(path.join(dir, 'settings.json'), 'utf8'));
  const ref = await SafetensorsFile.open(path.join(dir, 'reference.safetensors'));
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'clearclip-parity-'));
  const rows: ParityRow[] = [];
  const emit = (r: ParityRow) => {
    rows.push(r);
    opts.onRow?.(r);
  };
  try {
    const runtime = path.join(tmp, `model-${dtype}.safetensors`);
    await convertCheckpoint({ input: path.join(dir, 'open_clip_model.safetensors'), output: runtime, dtype, config: path.join(dir, 'open_clip_config.json') });
    const clip = await CLIP.load(dev, runtime);
    const besideFixture = path.resolve(dir, '../../vocab/bpe_simple_vocab_16e6.txt.gz');
    const env = envSettings();
    const vocab = opts.vocab ?? env.vocab ?? (existsSync(besideFixture) ? besideFixture : undefined);
    let tokenizer: ClipTokenizer | null = null;
    const tok = async () => (tokenizer ??= await loadTokenizer(vocab, { hub: env.hub }));
    const f32 = (n: string) => ref.readFloat32(n);
    const i32 = (n: string) => ref.readInt32(n);
    const read = async (t: Tensor) => {
      const v = await t.readFloat();
      t.dispose();
      return v;
    };
    const lastBlock = clip.visual.blocks.at(-1)!;

    // Vision tower runs, once per input size, collecting every intermediate the fixture may hold.
    const visionRuns = new Map<string, Map<string, Float32Array>>();
    const visionRun = async (size: string): Promise<Map<string, Float32Array>> => {
      let m = visionRuns.get(size);
      if (m) return m;
      m = new Map();
      const input = inputEntry(`vision.input_${size}`);
      const img = dev.tensor(await f32(input.name), input.shape, 'f32', input.name);
      const pending: [string, Promise<Float32Array>][] = [];
      const grab = (name: string) => (x: Tensor) => pending.push([name, x.readFloat()]);
      const pooled = clip.visual.encodeImage(img, { onEmbed: grab('embed'), onLnPre: grab('ln_pre'), onBlock: (i, x) => grab(`block${i}`)(x) });
      pending.push(['pooled', read(pooled)]);
      for (const [k, p] of pending) m.set(k, await p);
      img.dispose();
      visionRuns.set(size, m);
      return m;
    };

    // Query features per class-file text: seg.query_features and every seg run share one computation.
    const queryRuns = new Map<string, Promise<Float32Array>>();
    const queriesOf = async (text: string, where: string): Promise<Float32Array> => {
      let q = queryRuns.get(text);
      if (!q) queryRuns.set(text, (q = tok().then((tk) => queryFeatures(clip, tk, parseClassFile(text, where).queries, { cacheDir: null }))));
      return q;
    };

    const inputEntry = (name: string) => {
      if (!ref.names().includes(name)) throw new NotComputable(`the fixture has no input ${name}`);
      return ref.entry(name);
    };
    const segRuns = new Map<string, SlideResult>();
    const seg = settings.segmentation ?? {};
    const variants = new Map<string, SegVariant>(((seg.variants ?? []) as SegVariant[]).map((v) => [v.prefix, v]));
    const segRun = async (key: string, form: LastBlockForm, outputSize: [number, number] | null): Promise<SlideResult> => {
      let r = segRuns.get(key);
      if (r) return r;
      const classes: string = need(seg.classes_file_contents, 'segmentation.classes_file_contents');
      const opts = {
        crop: need<number>(seg.slide_crop, 'segmentation.slide_crop'),
        stride: need<number>(seg.slide_stride, 'segmentation.slide_stride'),
        logitScale: need<number>(seg.logit_scale, 'segmentation.logit_scale'),
        probThd: need<number>(seg.prob_thd, 'segmentation.prob_thd'),
      };
      const spec = parseClassFile(classes, 'settings.segmentation.classes_file_contents');
      const q = await queriesOf(classes, 'settings.segmentation.classes_file_contents');
      const [, , H, W] = inputEntry('seg.input').shape;
      const block = new DecomposedBlock(lastBlock, form);
      r = await slideInference(clip, block, await f32('seg.input'), [H, W], q, spec.queryClass, {
        ...opts,
        outputSize: outputSize ?? undefined,
        logits: true,
      });
      block.dispose();
      segRuns.set(key, r);
      return r;
    };
    const segForm = (): LastBlockForm => formOf(need(seg.model_type, 'segmentation.model_type'), !need(seg.ignore_residual, 'segmentation.ignore_residual'));
    // Pixels whose top-2 probability gap is tiny may flip under any rounding difference; the fixture counts them
    // (per prefix: seg, or a variant's). In f32 the fixture's 1e-4 count is used, and none is invented where it
    // gives none. f16 rounds far coarser: without a 1e-2 count in the fixture, the count is taken from the
    // fixture's own probabilities: the pixels whose top-2 gap is below twice the largest probability error this run
    // actually made (two probabilities each off by that much can swap there, nowhere else); the tolerance stands in
    // for the measured error only when this run has no probabilities to compare.
    const nearTies = async (prefix: string, pixels: number, ours?: Float32Array): Promise<number> => {
      const st = settings.stats ?? {};
      if (dtype === 'f32') return st[`${prefix}.pixels_with_top2_gap_below_1e-4`] ?? 0;
      const given = st[`${prefix}.pixels_with_top2_gap_below_1e-2`];
      if (given !== undefined) return given;
      if (!ref.names().includes(`${prefix}.probs`)) throw new NotComputable(`no f16 near-tie count: the fixture has neither ${prefix}.pixels_with_top2_gap_below_1e-2 nor ${prefix}.probs`);
      const probs = await f32(`${prefix}.probs`);
      if (probs.length % pixels !== 0) throw new NotComputable(`no f16 near-tie count: ${prefix}.probs is not at this prediction's size`);
      let err = tol.probs;
      if (ours && ours.length === probs.length) {
        err = 0;
        for (let i = 0; i < probs.length; i++) err = Math.max(err, Math.abs(ours[i] - probs[i]));
      }
      return countNearTies(probs, probs.length / pixels, pixels, 2 * err);
    };

    for (const name of ref.names().sort()) {
      if (opts.only && !opts.only.test(name)) continue;
      const e = ref.entry(name);
      let m: RegExpMatchArray | null;
      try {
        if (name === 'tokens.ids' || name === 'text.ids') {
          const strings: string[] = name === 'tokens.ids' ? need(settings.tokenizer?.strings, 'tokenizer.strings') : need(settings.text_tower?.prompts, 'text_tower.prompts');
          emit(compareExact(name, (await tok()).tokenize(strings, e.shape[1]), await i32(name)));
        } else if (name === 'text.features') {
          const ids = await i32('text.ids');
          emit(compareFloat(name, await read(clip.encodeText(ids, e.shape[0])), await f32(name), tol.tower));
        } else if (/^vision\.input_/.test(name) || name === 'seg.image_rgb') {
          emit({ name, status: 'input' });
        } else if ((m = name.match(/^vision\.(embed|ln_pre|block\d+|pooled)_(\w+)$/))) {
          const got = (await visionRun(m[2])).get(m[1]);
          emit(got ? compareFloat(name, got, await f32(name), tol.tower) : { name, status: 'not computed', note: `no ${m[1]} in this model` });
        } else if ((m = name.match(/^vision\.pos_embed_(\d+)x(\d+)$/))) {
          const t = clip.visual.positionEmbedding(Number(m[1]), Number(m[2]));
          emit(compareFloat(name, await t.readFloat(), await f32(name), tol.tower));
        } else if ((m = name.match(/^dense\.(\w+)\.(resid|noresid)_(\w+)$/))) {
          const input = inputEntry(`vision.input_${m[3]}`);
          const block = new DecomposedBlock(lastBlock, formOf(m[1], m[2] === 'resid'));
          const img = dev.tensor(await f32(input.name), input.shape, 'f32', input.name);
          const got = await read(clip.visual.encodeDense(img, { lastBlock: block }));
          img.dispose();
          block.dispose();
          emit(compareFloat(name, got, await f32(name), tol.tower));
        } else if (name === 'queries.features' || name === 'seg.query_features') {
          const text: string = name === 'queries.features' ? need(settings.queries?.classes_file_contents, 'queries.classes_file_contents') : need(seg.classes_file_contents, 'segmentation.classes_file_contents');
          emit(compareFloat(name, await queriesOf(text, `settings ${name}`), await f32(name), tol.queries));
        } else if (name === 'queries.class_index' || name === 'seg.query_index') {
          const text: string = name === 'queries.class_index' ? need(settings.queries?.classes_file_contents, 'queries.classes_file_contents') : need(seg.classes_file_contents, 'segmentation.classes_file_contents');
          emit(compareExact(name, parseClassFile(text).queryClass, await i32(name)));
        } else if (name === 'seg.input') {
          const [H, W] = inputEntry('seg.image_rgb').shape;
          const rgb = await ref.readRaw('seg.image_rgb');
          // What segment() feeds the model: the model config's mean/std (upstream used settings' data_preprocessor,
          // which segmentationNormalisation reproduces from the config; test/clearclip/normalisation.test.ts).
          const pre = segmentationNormalisation(clip.config);
          emit(compareFloat(name, normalizeToNchw({ width: W, height: H, data: rgb }, pre.mean, pre.std), await f32(name), 1e-6));
        } else if ((m = name.match(/^(.+)\.(logits|probs|pred|pred_ori)$/)) && (m[1] === 'seg' || variants.has(m[1]))) {
          // seg.* with the fixture's model_type; a variant prefix with its own, every other setting as seg.*.
          const v = variants.get(m[1]);
          const form = v ? formOf(v.model_type, !need(v.ignore_residual, `ignore_residual for the variant ${v.prefix}`)) : segForm();
          let ori: [number, number] | null = seg['ori_shape_for_seg.logits'] ?? null;
          if (m[2] === 'pred_ori') {
            ori = seg['ori_shape_for_seg.pred_ori'] ?? null;
            if (!ori) throw new NotComputable('settings.segmentation has no ori_shape_for_seg.pred_ori');
          }
          const r = await segRun(`${v ? v.model_type : ''}|${v ? v.ignore_residual : ''}|${ori}`, form, ori);
          if (m[2] === 'logits') emit(compareFloat(name, r.logits!, await f32(name), tol.logits));
          else if (m[2] === 'probs') emit(compareFloat(name, r.probs!, await f32(name), tol.probs));
          else emit(compareExact(name, r.pred, await i32(name), await nearTies(m[1], r.pred.length, r.probs), 'near-tie pixels allowed'));
        } else {
          emit({ name, status: 'not computed', note: 'no rule for this name' });
        }
      } catch (err) {
        const note = (err as Error).message.split('\n')[0];
        emit(err instanceof NotComputable ? { name, status: 'not computed', note } : { name, status: 'fail', note });
      }
    }
    clip.dispose();
  } finally {
    await ref.close();
    await rm(tmp, { recursive: true, force: true });
  }
  return rows;
}

/** Pixels of [C, N] class probabilities whose best two classes are closer than `gap` (relative to max prob 1). */
export function countNearTies(probs: Float32Array, classes: number, pixels: number, gap: number): number {
  let n = 0;
  for (let i = 0; i < pixels; i++) {
    let a = -Infinity;
    let b = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = probs[c * pixels + i];
      if (v > a) [a, b] = [v, a];
      else if (v > b) b = v;
    }
    if (a - b < gap) n++;
  }
  return n;
}
