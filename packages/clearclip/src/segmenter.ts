import type { Tensor } from '@clearclip/tensor';
import type { CLIP, ClipTokenizer } from '@clearclip/vit/core';
import { type ClassSpec, parseClassFile, parseClassList } from './classes.js';
import { DecomposedBlock, PRESETS, type LastBlockForm, type PresetName } from './last-block.js';
import { slideInference, tracePostprocess } from './segment.js';
import { tracePrefixPath } from './query-encode.js';
import type { RgbImage } from './image/types.js';
import { mmsegRescaleSize, resizeLinearU8 } from './image/resize.js';
import { normalizeToNchw, segmentationNormalisation } from './image/normalize.js';
import { PhaseReporter, type ProgressCallback } from './progress.js';
import { checkSegmentSettings, presetForm } from './settings-check.js';

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

/** Query features [Q, E] for query names; where they come from (files, Cache Storage, none) is the entry's business. */
export type QueryFeatureSource = (names: string[], onProgress?: ProgressCallback) => Promise<Float32Array>;

/**
 * A class list made ready once and reused for any number of images: the parsed spec and its query features [Q, E]
 * on the device in the model's dtype. From ClearCLIPCore.prepareClasses; disposed by dispose() or with the model.
 */
export class PreparedClasses {
  #features: Tensor | null;

  constructor(
    readonly spec: ClassSpec,
    features: Tensor,
    private readonly onDispose: (p: PreparedClasses) => void,
  ) {
    this.#features = features;
  }

  get features(): Tensor {
    if (!this.#features) throw new Error('PreparedClasses: used after dispose()');
    return this.#features;
  }

  get disposed(): boolean {
    return this.#features === null;
  }

  dispose(): void {
    if (!this.#features) return;
    this.#features.dispose();
    this.#features = null;
    this.onDispose(this);
  }
}

/** What segment() accepts as classes: prepared ones, or a spec / class-file text / list to prepare for this call. */
export type ClassesInput = PreparedClasses | ClassSpec | string | string[];

/**
 * ClearCLIP on a loaded CLIP and tokenizer, segmenting decoded pixels: the environment-neutral core shared by the
 * Node entry (ClearCLIP: file paths, disk caches) and the browser entry (hub fetch, Cache Storage).
 */
export class ClearCLIPCore {
  private blocks = new Map<string, DecomposedBlock>();
  private prepared = new Set<PreparedClasses>();
  /** The model's own mean/std (its config's preprocess_cfg) on the 0..255 scale. */
  private readonly normalisation: { mean: number[]; std: number[] };

  constructor(
    readonly clip: CLIP,
    readonly tokenizer: ClipTokenizer,
    private readonly queryFeatures: QueryFeatureSource,
    private readonly ownsDevice: boolean,
  ) {
    this.normalisation = segmentationNormalisation(clip.config);
  }

  get device() {
    return this.clip.device;
  }

  /** The decomposed last block for a preset name or form, made once per form. */
  private block(preset: PresetName | LastBlockForm): DecomposedBlock {
    const form: LastBlockForm = typeof preset === 'string' ? presetForm(preset) : preset;
    const key = JSON.stringify(form);
    let b = this.blocks.get(key);
    if (!b) {
      b = new DecomposedBlock(this.clip.visual.blocks.at(-1)!, form);
      this.blocks.set(key, b);
    }
    return b;
  }

  /**
   * Create, in parallel and ahead of use, the pipelines a segmentation with these window settings needs: one window
   * through the dense forward with the last block's form and the post-processing after it, and a prompt through the
   * text tower whole and by the query plan's prefix path, traced (not run: see GpuDevice.precompile). Kernels that
   * only other settings reach (f16 casts, whole-image mode, a window batch of other alignment) still compile at
   * first use. Returns what the device reports.
   */
  async precompile(opts: { crop?: number; form?: PresetName | LastBlockForm } = {}): Promise<{ pipelines: number; created: number; ms: number }> {
    const crop = opts.crop ?? DEFAULT_SEGMENT.crop;
    const ctx = this.clip.config.text.contextLength;
    const ids = this.tokenizer.tokenize(['a photo of a sky.'], ctx);
    return this.device.exclusive(() => {
      // Made for real before the trace (its sliced projections are kept: a traced one would hold garbage).
      const lastBlock = this.block(opts.form ?? DEFAULT_SEGMENT.form);
      return this.device.precompile(() => {
        const img = this.device.zeros([1, 3, crop, crop], 'f32', 'precompile image');
        const dense = this.clip.visual.encodeDense(img, { lastBlock });
        tracePostprocess(this.clip, dense, crop, DEFAULT_SEGMENT.stride, DEFAULT_SEGMENT.logitScale, DEFAULT_SEGMENT.probThd);
        this.clip.encodeText(ids, 1);
        tracePrefixPath(this.clip, this.tokenizer);
      });
    });
  }

  /**
   * The string conveniences of segment(): text with a newline is class-file text (lines, comma synonyms), else a
   * --classes style list ("sky,tree", or ";" between classes to allow synonyms); an array is one class per name.
   * A one-line class file must be given as a ClassSpec (parseClassFile) or prepared: as a string it is a list.
   */
  static classes(classes: string | string[] | ClassSpec): ClassSpec {
    if (Array.isArray(classes)) return parseClassFile(classes.join('\n'), 'classes');
    if (typeof classes === 'string') return classes.includes('\n') ? parseClassFile(classes, 'classes') : parseClassList(classes);
    return classes;
  }

  /** Normalised query features [Q, E] for the classes (cached per model and name where the entry has a cache). */
  async queries(spec: ClassSpec, onProgress?: ProgressCallback): Promise<Float32Array> {
    return this.device.exclusive(() => this.queryFeatures(spec.queries, onProgress));
  }

  /** Parse (string forms as classes()) and encode the queries once; the features stay on the device for reuse. */
  async prepareClasses(classes: string | string[] | ClassSpec, onProgress?: ProgressCallback): Promise<PreparedClasses> {
    if (classes instanceof PreparedClasses && (classes.disposed || !this.prepared.has(classes))) {
      throw new Error(classes.disposed ? 'segment: these prepared classes were disposed' : 'segment: these classes were prepared by another model');
    }
    const spec = classes instanceof PreparedClasses ? classes.spec : ClearCLIPCore.classes(classes);
    return this.device.exclusive(async () => {
      const q = await this.queryFeatures(spec.queries, onProgress);
      const features = this.device.tensor(q, [spec.queries.length, this.clip.config.embedDim], this.clip.dtype, 'prepared queries');
      // Owned by the PreparedClasses, not by whatever scope is open.
      this.device.untrack(features);
      const p = new PreparedClasses(spec, features, (x) => this.prepared.delete(x));
      this.prepared.add(p);
      return p;
    });
  }

  /**
   * Segment decoded pixels; `decodeMs` is the caller's decode time, reported as the `decode` stage and in the total;
   * `label` names the image in progress events (a file name), else its size does.
   */
  async segmentRgb(img: RgbImage, classes: ClassesInput, opts: SegmentOptions = {}, decodeMs = 0, label?: string): Promise<Segmentation> {
    const o = { ...DEFAULT_SEGMENT, ...opts };
    checkSegmentSettings(o);
    const timings: Record<string, number> = { decode: decodeMs };
    const t0 = performance.now();
    let t = t0;
    const lap = (name: string) => {
      const now = performance.now();
      timings[name] = now - t;
      t = now;
    };
    const [h, w] = mmsegRescaleSize(img.height, img.width, o.scale);
    const resized = h === img.height && w === img.width ? img : resizeLinearU8(img, w, h);
    const input = normalizeToNchw(resized, this.normalisation.mean, this.normalisation.std);
    lap('resize');
    if (classes instanceof PreparedClasses && (classes.disposed || !this.prepared.has(classes))) {
      throw new Error(classes.disposed ? 'segment: these prepared classes were disposed' : 'segment: these classes were prepared by another model');
    }
    const spec = classes instanceof PreparedClasses ? classes.spec : ClearCLIPCore.classes(classes);
    // Concurrent segment() calls share the device (and its scope stack): their GPU work runs one at a time.
    const windows = new PhaseReporter(opts.onProgress, 'windows', label ?? `${img.width}x${img.height} image`, 'windows', null);
    const r = await this.device.exclusive(async () => {
      t = performance.now(); // time spent queued behind other calls is not counted as queries
      const q = classes instanceof PreparedClasses ? classes.features : await this.queryFeatures(spec.queries, opts.onProgress);
      lap('queries');
      windows.start();
      return slideInference(this.clip, this.block(o.form), input, [h, w], q, spec.queryClass, {
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
    });
    windows.done();
    Object.assign(timings, r.timings);
    timings.total = decodeMs + performance.now() - t0;
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
    for (const p of [...this.prepared]) p.dispose();
    for (const b of this.blocks.values()) b.dispose();
    this.blocks.clear();
    this.clip.dispose();
    if (this.ownsDevice) this.device.destroy();
  }
}
