import type { FloatDType } from '@clearclip/tensor';
import { ClearCLIP, type PreparedClasses } from './clearclip.js';
import { parseClassFile } from './classes.js';
import type { PresetName } from './last-block.js';
import { presetForm } from './settings-check.js';
import type { EvalModelOptions, EvalSegmenter, EvalSettings } from './eval/settings.js';

/**
 * The real model behind `clearclip eval`: weights from --weights, or the hub model named by --model; dtype and vocab
 * from the eval command's --dtype and --vocab. The run's classes are prepared once (features kept on the device),
 * not parsed and read from the query cache per image.
 */
export async function evalSegmenterFactory(s: EvalSettings, model: EvalModelOptions = {}): Promise<EvalSegmenter> {
  presetForm(s.preset); // an unknown preset fails before the model loads
  const [name, pretrained] = s.weights ? [undefined, undefined] : (s.model ?? 'ViT-B-16/openai').split('/');
  const seg = await ClearCLIP.load({ weights: s.weights ?? undefined, model: name, pretrained, dtype: model.dtype as FloatDType | undefined, vocab: model.vocab });
  // Prepared once per prompt file (a run has one; features stay on the device), not per image.
  const prepared = new Map<string, Promise<PreparedClasses>>();
  const classesOf = (o: EvalSettings): Promise<PreparedClasses> => {
    let p = prepared.get(o.classesFile);
    // The prompt file's text, parsed as a class file: handed over as a string, a single line would be read as a
    // --classes list (one class per comma) instead of one class with synonyms.
    if (!p) prepared.set(o.classesFile, (p = seg.prepareClasses(parseClassFile(o.classesFile, o.classesPath))));
    return p;
  };
  return {
    async segment(img, o) {
      const r = await seg.segment(img, await classesOf(o), {
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
    // Disposing the model disposes what it prepared.
    dispose: () => seg.dispose(),
  };
}
