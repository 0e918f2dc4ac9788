import { readFile } from 'node:fs/promises';
import { GpuDevice, loadTunedChoices, nodeTuneStore, type FloatDType } from '@clearclip/tensor';
import { CLIP, type ClipTokenizer } from '@clearclip/vit';
import { type ClassSpec, parseClassFile, parseClassList } from './classes.js';
import { DecomposedBlock, PRESETS, type LastBlockForm, type PresetName } from './last-block.js';
import { queryFeatures } from './queries.js';
import { slideInference } from './segment.js';
import { type RgbImage, readImage, mmsegRescaleSize, resizeLinearU8, normalizeToNchw } from './image/index.js';
import { loadTokenizer, resolveWeights } from './model-files.js';
import { PhaseReporter, type ProgressCallback } from './progress.js';

export interface LoadOptions {
  /** A runtime weights file, or an OpenCLIP checkpoint (converted once into the cache). */
  weights?: string;
  /** Hub model by OpenCLIP name and pretrained tag (downloaded on first use), when `weights` is not given. */
  model?: string;
  pretrained?: string;
  dtype?: FloatDType;
  /** QuickGELU (true) or GELU (false) for a checkpoint whose config does not say; hub models know their own. */
  quickGelu?: boolean;
  device?: GpuDevice;
  /** bpe_simple_vocab_16e6.txt.gz. */
  vocab?: string;
  /** Query-feature and converted-weights cache; null disables the query cache. */
  cacheDir?: string | null;
  /** Progress of the download, conversion and load phases (progress.ts). */
  onProgress?: ProgressCallback;
  /** Notices a person should see (a checkpoint whose activation is ambiguous, ...). */
  log?: (msg: string) => void;
}

export interface SegmentOptions {
  /** MMSeg Resize scale (long, short) with keep_ratio; default (2048, 448). */
  scale?: [number, number];
  /** Sliding window; crop 0 = one window over the image. */
  crop?: number;
  stride?: number;
  logitScale?: number;
  probThd?: number;
  /** A preset name or the three switches. */
  form?: PresetName | LastBlockForm;
  /** Windows per vision batch; 0 = as many as the device's binding limit allows (at most 8). */
  windowBatch?: number;
  /** Per-class probabilities at the original size (default true; C x H x W floats). */
  probs?: boolean;
  /** Synchronise between stages so per-stage times are exact. */
  stageTimes?: boolean;
  /** Progress of the query and window phases (progress.ts). */
  onProgress?: ProgressCallback;
}

export const DEFAULT_SEGMENT: Required<Omit<SegmentOptions, 'form'>> & { form: PresetName } = {
  scale: [2048, 448],
  crop: 448,
  stride: 224,
  logitScale: 50,
  probThd: 0,
  form: 'clearclip',
  windowBatch: 0,
  probs: true,
  stageTimes: false,
  onProgress: () => undefined,
};

export interface Segmentation {
  /** Original image size; pred and probs are at this size. */
  width: number;
  height: number;
  /** Class index per pixel (line of the class file). */
  pred: Int32Array;
  /** [C, H, W] class probabilities, when asked for. */
  probs?: Float32Array;
  classNames: string[];
  /** Size the model saw after the keep-ratio resize. */
  inferenceSize: [number, number];
  windows: number;
  /** Milliseconds per stage: decode, resize, queries, vision, logits, postprocess, total. */
  timings: Record<string, number>;
}

/** ClearCLIP open-vocabulary segmentation: `const seg = await ClearCLIP.load({...}); await seg.segment(img, 'sky,tree')`. */
export class ClearCLIP {
  private blocks = new Map<string, DecomposedBlock>();
  /** The runtime weights file that was loaded (provenance for outputs). */
  weightsFile = '';

  private constructor(
    readonly clip: CLIP,
    readonly tokenizer: ClipTokenizer,
    private readonly cacheDir: string | null | undefined,
    private readonly ownsDevice: boolean,
  ) {}

  static async load(opts: LoadOptions = {}): Promise<ClearCLIP> {
    const device = opts.device ?? (await GpuDevice.create());
    try {
      // Kernel choices from `clearclip tune` (or an earlier bench) on this adapter; none: the heuristics.
      if (opts.cacheDir !== null) await loadTunedChoices(device, nodeTuneStore(opts.cacheDir ? `${opts.cacheDir}/tune` : undefined));
      const dtype = opts.dtype ?? 'f32';
      const path = await resolveWeights({
        weights: opts.weights, model: opts.model, pretrained: opts.pretrained, dtype, quickGelu: opts.quickGelu,
        cacheDir: opts.cacheDir ?? undefined, onProgress: opts.onProgress, log: opts.log,
      });
      const loading = new PhaseReporter(opts.onProgress, 'load', path, 'tensors', null).start();
      const clip = await CLIP.load(device, path, { dtype });
      loading.done();
      const tokenizer = await loadTokenizer(opts.vocab, { log: opts.log, onProgress: opts.onProgress });
      const seg = new ClearCLIP(clip, tokenizer, opts.cacheDir, !opts.device);
      seg.weightsFile = path;
      return seg;
    } catch (e) {
      if (!opts.device) device.destroy();
      throw e;
    }
  }

  get device(): GpuDevice {
    return this.clip.device;
  }

  private block(form: LastBlockForm): DecomposedBlock {
    const key = JSON.stringify(form);
    let b = this.blocks.get(key);
    if (!b) {
      b = new DecomposedBlock(this.clip.visual.blocks.at(-1)!, form);
      this.blocks.set(key, b);
    }
    return b;
  }

  /** Classes as a ClassSpec, class-file text (lines, comma synonyms), or a list of names. */
  static classes(classes: string | string[] | ClassSpec): ClassSpec {
    if (Array.isArray(classes)) return parseClassFile(classes.join('\n'), 'classes');
    if (typeof classes === 'string') return classes.includes('\n') ? parseClassFile(classes, 'classes') : parseClassList(classes);
    return classes;
  }

  /** Normalised query features [Q, E] for the classes (cached on disk per model and name). */
  async queries(spec: ClassSpec, onProgress?: ProgressCallback): Promise<Float32Array> {
    return queryFeatures(this.clip, this.tokenizer, spec.queries, { cacheDir: this.cacheDir, onProgress });
  }

  async segment(image: RgbImage | string, classes: string | string[] | ClassSpec, opts: SegmentOptions = {}): Promise<Segmentation> {
    const o = { ...DEFAULT_SEGMENT, ...opts };
    const form: LastBlockForm = typeof o.form === 'string' ? PRESETS[o.form] : o.form;
    if (!form) throw new Error(`unknown preset ${String(opts.form)} (known: ${Object.keys(PRESETS).join(', ')})`);
    const timings: Record<string, number> = {};
    const t0 = performance.now();
    let t = t0;
    const lap = (name: string) => {
      const now = performance.now();
      timings[name] = now - t;
      t = now;
    };
    const img = typeof image === 'string' ? await readImage(image) : image;
    lap('decode');
    const [h, w] = mmsegRescaleSize(img.height, img.width, o.scale);
    const resized = h === img.height && w === img.width ? img : resizeLinearU8(img, w, h);
    const input = normalizeToNchw(resized);
    lap('resize');
    const spec = ClearCLIP.classes(classes);
    const q = await this.queries(spec, opts.onProgress);
    lap('queries');
    const windows = new PhaseReporter(opts.onProgress, 'windows', typeof image === 'string' ? image : `${img.width}x${img.height} image`, 'windows', null).start();
    const r = await slideInference(this.clip, this.block(form), input, [h, w], q, spec.queryClass, {
      crop: o.crop,
      stride: o.stride,
      logitScale: o.logitScale,
      probThd: o.probThd,
      windowBatch: o.windowBatch || undefined,
      outputSize: [img.height, img.width],
      probs: o.probs,
      stageTimes: o.stageTimes,
      onWindows: opts.onProgress ? (done, total) => windows.progress(done, { total }) : undefined,
    });
    windows.done();
    Object.assign(timings, r.timings);
    t = performance.now();
    timings.total = t - t0;
    return {
      width: img.width,
      height: img.height,
      pred: r.pred,
      probs: r.probs,
      classNames: spec.classNames,
      inferenceSize: [h, w],
      windows: r.geometry.boxes.length,
      timings,
    };
  }

  dispose(): void {
    for (const b of this.blocks.values()) b.dispose();
    this.blocks.clear();
    this.clip.dispose();
    if (this.ownsDevice) this.device.destroy();
  }
}

export async function readClassFile(file: string): Promise<ClassSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`--classes-file ${file}: ${(e as Error).message}`);
  }
  return parseClassFile(text, file);
}
