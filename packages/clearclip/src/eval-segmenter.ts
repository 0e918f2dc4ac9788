import { ClearCLIP } from './clearclip.js';
import { parseClassFile } from './classes.js';
import { PRESETS, type PresetName } from './last-block.js';
import type { EvalSegmenter, EvalSettings } from './eval/settings.js';

/** The real model behind `clearclip eval`: weights from --weights, or the hub model named by --model. */
export async function evalSegmenterFactory(s: EvalSettings, extra: { dtype?: 'f32' | 'f16'; vocab?: string } = {}): Promise<EvalSegmenter> {
  if (!(s.preset in PRESETS)) throw new Error(`--preset: unknown "${s.preset}" (known: ${Object.keys(PRESETS).join(', ')})`);
  const [model, pretrained] = (s.model ?? 'ViT-B-16/openai').split('/');
  const seg = await ClearCLIP.load({ weights: s.weights ?? undefined, model, pretrained, dtype: extra.dtype, vocab: extra.vocab });
  return {
    async segment(img, o) {
      // The prompt file's text, parsed as a class file: handed over as a string, a single line would be read as a
      // --classes list (one class per comma) instead of one class with synonyms.
      const r = await seg.segment(img, parseClassFile(o.classesFile, o.classesPath), {
        scale: o.resizeScale,
        crop: o.slideCrop,
        stride: o.slideStride,
        logitScale: o.logitScale,
        probThd: o.probThd,
        form: o.preset as PresetName,
        probs: false,
      });
      return r.pred;
    },
    dispose: () => seg.dispose(),
  };
}
