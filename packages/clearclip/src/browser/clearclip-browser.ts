import { GpuDevice } from '@clearclip/tensor';
import { CLIP, ClipTokenizer, uploadClipWeights } from '@clearclip/vit/core';
import { CONFIG_NAME, findHubModel, parseConfigText } from '@clearclip/weights-tools/browser';
import type { ClassSpec } from '../classes.js';
import type { RgbImage } from '../image/types.js';
import { ClearCLIPCore, type SegmentOptions, type Segmentation } from '../segmenter.js';
import { fetchHubFile, fetchHubText, type HubProgress } from './hub.js';
import { toRgbImage } from './image.js';
import { cachedQueryFeatures } from './query-cache.js';
import { runtimeView } from './runtime-view.js';

/** Where the tokenizer's vocab.json + merges.txt come from (the same BPE as OpenCLIP's bpe_simple_vocab_16e6). */
export const TOKENIZER_REPO = 'openai/clip-vit-base-patch16';
export const WEIGHTS_FILE = 'open_clip_model.safetensors';

export interface BrowserLoadOptions {
  /** OpenCLIP model name + pretrained tag (the hub model table), or `repo` directly. Default ViT-B-16 openai. */
  model?: string;
  pretrained?: string;
  repo?: string;
  revision?: string;
  /** Force QuickGELU (the model table's flag for named models; else the hub config's). */
  quickGelu?: boolean;
  /** Hub endpoint, like HF_ENDPOINT (default https://huggingface.co). */
  endpoint?: string;
  /** Repo of vocab.json + merges.txt (default openai/clip-vit-base-patch16, on the same endpoint). */
  tokenizerRepo?: string;
  /** 'auto' = f16 where the adapter has shader-f16, else f32. */
  dtype?: 'auto' | 'f32' | 'f16';
  device?: GpuDevice;
  onProgress?: (p: LoadProgress) => void;
}

export type LoadProgress = ({ stage: 'download' } & HubProgress) | { stage: 'convert'; tensor: number; total: number } | { stage: 'tokenizer' };

/**
 * ClearCLIP in a browser (or a worker): weights and tokenizer fetched from the hub into Cache Storage, converted
 * to the runtime layout in memory, query features cached in Cache Storage. Images are Blobs, ImageBitmaps,
 * ImageData or RgbImages.
 */
export class ClearCLIPBrowser extends ClearCLIPCore {
  /** Milliseconds of the load stages: download (or cache read), convert+upload, tokenizer. */
  loadTimings: Record<string, number> = {};

  static async load(opts: BrowserLoadOptions = {}): Promise<ClearCLIPBrowser> {
    const device = opts.device ?? (await GpuDevice.create());
    try {
      const named = opts.repo ? null : findHubModel(opts.model ?? 'ViT-B-16', opts.pretrained ?? 'openai');
      const repo = opts.repo ?? named!.repo;
      const quickGelu = opts.quickGelu ?? named?.quickGelu;
      const hub = { endpoint: opts.endpoint, repo, revision: opts.revision };
      const download = (p: HubProgress) => opts.onProgress?.({ stage: 'download', ...p });
      const timings: Record<string, number> = {};
      let t = performance.now();
      const lap = (name: string) => {
        const now = performance.now();
        timings[name] = now - t;
        t = now;
      };
      const configText = parseConfigText(await fetchHubText({ ...hub, file: CONFIG_NAME }, download), `${repo}/${CONFIG_NAME}`, { quickGelu }).text;
      const bytes = await fetchHubFile({ ...hub, file: WEIGHTS_FILE }, download);
      lap('download');
      const dtype = opts.dtype === 'f32' || opts.dtype === 'f16' ? opts.dtype : device.hasF16 ? 'f16' : 'f32';
      const label = `${repo}@${opts.revision ?? 'main'}/${WEIGHTS_FILE}`;
      const weights = await uploadClipWeights(device, runtimeView(bytes, configText, dtype, label), label, {
        dtype,
        fallbackId: () => `${label}:${bytes.length}`,
        onTensor: (tensor, total) => opts.onProgress?.({ stage: 'convert', tensor, total }),
      });
      const clip = new CLIP(device, weights);
      lap('convert');
      opts.onProgress?.({ stage: 'tokenizer' });
      const tok = { endpoint: opts.endpoint, repo: opts.tokenizerRepo ?? TOKENIZER_REPO };
      const tokenizer = ClipTokenizer.fromHubText(await fetchHubText({ ...tok, file: 'vocab.json' }), await fetchHubText({ ...tok, file: 'merges.txt' }));
      lap('tokenizer');
      const seg = new ClearCLIPBrowser(clip, tokenizer, cachedQueryFeatures(clip, tokenizer), !opts.device);
      seg.loadTimings = timings;
      return seg;
    } catch (e) {
      if (!opts.device) device.destroy();
      throw e;
    }
  }

  /** Segment a browser image (Blob, ImageBitmap, ImageData) or an RgbImage; decoding counts as the `decode` stage. */
  async segment(image: RgbImage | ImageData | ImageBitmap | Blob, classes: string | string[] | ClassSpec, opts: SegmentOptions = {}): Promise<Segmentation> {
    const t0 = performance.now();
    const img = await toRgbImage(image);
    return this.segmentRgb(img, classes, opts, performance.now() - t0);
  }
}
