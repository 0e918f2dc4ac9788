import type { GpuDevice, Tensor, FloatDType } from '@clearclip/tensor';
import type { ClipConfig } from './config.js';
import { VisionTransformer } from './vision.js';
import { TextTransformer } from './text.js';
import type { LoadedWeights } from './weights-core.js';
import { filePlatform } from './platform.js';

/** A CLIP model: both towers over one set of device tensors. */
export class CLIP {
  readonly visual: VisionTransformer;
  readonly text: TextTransformer;

  constructor(
    readonly device: GpuDevice,
    readonly weights: LoadedWeights,
  ) {
    const get = (name: string): Tensor => {
      const t = weights.tensors.get(name);
      if (!t) throw new Error(`CLIP: no tensor ${name} in ${weights.path}`);
      return t;
    };
    this.visual = new VisionTransformer(weights.config, get);
    this.text = new TextTransformer(weights.config, get);
  }

  static async load(device: GpuDevice, path: string, opts: { dtype?: FloatDType } = {}): Promise<CLIP> {
    // A file path needs the Node entry; a browser builds the weights with uploadClipWeights and calls the constructor.
    return new CLIP(device, await filePlatform('CLIP.load').loadClipWeights(device, path, opts));
  }

  get config(): ClipConfig {
    return this.weights.config;
  }

  get dtype(): FloatDType {
    return this.weights.dtype;
  }

  /** [B, 3, H, W] normalised image -> [B, E] (unnormalised, as OpenCLIP's encode_image). */
  encodeImage(image: Tensor): Tensor {
    return this.visual.encodeImage(image);
  }

  /** B rows of token ids -> [B, E] (unnormalised). */
  encodeText(ids: Int32Array, batch: number): Tensor {
    return this.text.encodeText(ids, batch);
  }

  dispose(): void {
    for (const t of this.weights.tensors.values()) t.dispose();
  }
}
