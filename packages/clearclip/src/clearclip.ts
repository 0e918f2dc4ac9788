import { readFile } from 'node:fs/promises';
import { GpuDevice, loadTunedChoices, nodeTuneStore, type FloatDType } from '@clearclip/tensor';
import { CLIP, type ClipTokenizer } from '@clearclip/vit';
import { type ClassSpec, parseClassFile } from './classes.js';
import { queryFeatures } from './queries.js';
import { ClearCLIPCore, type SegmentOptions, type Segmentation } from './segmenter.js';
import { type RgbImage, readImage } from './image/index.js';
import { loadTokenizer, resolveWeights } from './model-files.js';
import { PhaseReporter, type ProgressCallback } from './progress.js';

export { DEFAULT_SEGMENT, type SegmentOptions, type Segmentation } from './segmenter.js';

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

/** ClearCLIP open-vocabulary segmentation: `const seg = await ClearCLIP.load({...}); await seg.segment(img, 'sky,tree')`. */
export class ClearCLIP extends ClearCLIPCore {
  declare readonly clip: CLIP;
  /** The runtime weights file that was loaded (provenance for outputs). */
  weightsFile = '';

  private constructor(clip: CLIP, tokenizer: ClipTokenizer, cacheDir: string | null | undefined, ownsDevice: boolean) {
    super(clip, tokenizer, (names, onProgress) => queryFeatures(clip, tokenizer, names, { cacheDir, onProgress }), ownsDevice);
  }

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

  /** An image file (decoded here: PNG, JPEG with EXIF orientation) or decoded pixels. */
  async segment(image: RgbImage | string, classes: string | string[] | ClassSpec, opts: SegmentOptions = {}): Promise<Segmentation> {
    const t0 = performance.now();
    const img = typeof image === 'string' ? await readImage(image) : image;
    return this.segmentRgb(img, classes, opts, performance.now() - t0, typeof image === 'string' ? image : undefined);
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
