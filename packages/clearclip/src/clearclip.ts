import { readFile } from 'node:fs/promises';
import { GpuDevice, loadTunedChoices, type FloatDType } from '@clearclip/tensor';
import { nodeTuneStore } from '@clearclip/tensor/node';
import { CLIP, type ClipTokenizer } from '@clearclip/vit';
import { type ClassSpec, parseClassFile } from './classes.js';
import { queryFeatures } from './queries.js';
import { ClearCLIPCore, type ClassesInput, type SegmentOptions, type Segmentation } from './segmenter.js';
import { type RgbImage, readImage } from './image/index.js';
import { loadTokenizer, resolveWeights } from './model-files.js';
import { SettingsError } from './settings-check.js';
import { checkDeviceSettings, resolveModelSettings, type ResolvedModelSettings } from './settings.js';
import { PhaseReporter, type ProgressCallback } from './progress.js';

export { DEFAULT_SEGMENT, PreparedClasses, type ClassesInput, type SegmentOptions, type Segmentation } from './segmenter.js';

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
  /** Query-feature and converted-weights cache; null disables the query cache. Default $CLEARCLIP_CACHE, else ~/.cache/clearclip. */
  cacheDir?: string | null;
  /** Decompression-bomb limit for images segment() reads from files; default $CLEARCLIP_MAX_IMAGE_PIXELS, else Pillow's. */
  maxImagePixels?: number;
  /** Progress of the download, conversion and load phases (progress.ts). */
  onProgress?: ProgressCallback;
  /** Notices a person should see (a checkpoint whose activation is ambiguous, ...). */
  log?: (msg: string) => void;
  /**
   * Create the pipelines of a default segmentation during load, in parallel (ClearCLIPCore.precompile), so the first
   * segment() does not wait on compiles one by one. Default true.
   */
  precompile?: boolean;
}

/** ClearCLIP open-vocabulary segmentation: `const seg = await ClearCLIP.load({...}); await seg.segment(img, 'sky,tree')`. */
export class ClearCLIP extends ClearCLIPCore {
  declare readonly clip: CLIP;
  /** The runtime weights file that was loaded (provenance for outputs). */
  weightsFile = '';

  private constructor(clip: CLIP, tokenizer: ClipTokenizer, readonly settings: ResolvedModelSettings, ownsDevice: boolean) {
    const cacheDir = settings.queryCacheDir;
    super(clip, tokenizer, (names, onProgress) => queryFeatures(clip, tokenizer, names, { cacheDir, onProgress }), ownsDevice);
  }

  static async load(opts: LoadOptions = {}): Promise<ClearCLIP> {
    // Options, environment and defaults are resolved here, once; a bad value fails before the device opens.
    const s = resolveModelSettings(opts);
    const device = opts.device ?? (await GpuDevice.create());
    try {
      // What the device must support is known now: no download or conversion happens for a dtype it cannot run.
      checkDeviceSettings(s, device);
      // Kernel choices from `clearclip tune` (or an earlier bench) on this adapter; none: the heuristics.
      if (opts.cacheDir !== null) await loadTunedChoices(device, nodeTuneStore(`${s.cacheDir}/tune`));
      const path = await resolveWeights({
        weights: s.weights, model: s.model, pretrained: s.pretrained, dtype: s.dtype, quickGelu: s.quickGelu,
        cacheDir: s.cacheDir, hub: s.hub, onProgress: opts.onProgress, log: opts.log,
      });
      const loading = new PhaseReporter(opts.onProgress, 'load', path, 'tensors', null).start();
      const clip = await CLIP.load(device, path, { dtype: s.dtype });
      loading.done();
      const tokenizer = await loadTokenizer(s.vocab, { log: opts.log, onProgress: opts.onProgress, hub: s.hub, vocabSource: s.vocabSource });
      const seg = new ClearCLIP(clip, tokenizer, s, !opts.device);
      seg.weightsFile = path;
      if (opts.precompile !== false) await seg.precompile();
      return seg;
    } catch (e) {
      if (!opts.device) device.destroy();
      throw e;
    }
  }

  /**
   * An image file (decoded here: PNG, JPEG with EXIF orientation) or decoded pixels; classes prepared once with
   * prepareClasses() for many images, or a spec / class-file text / "sky,tree" list prepared for this call.
   */
  async segment(image: RgbImage | string, classes: ClassesInput, opts: SegmentOptions = {}): Promise<Segmentation> {
    const t0 = performance.now();
    const img = typeof image === 'string' ? await readImage(image, { maxPixels: this.settings.maxImagePixels }) : image;
    return this.segmentRgb(img, classes, opts, performance.now() - t0, typeof image === 'string' ? image : undefined);
  }
}

export async function readClassFile(file: string): Promise<ClassSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new SettingsError('classesFile', `${file}: ${(e as Error).message}`);
  }
  return parseClassFile(text, file);
}
