import { writeSafetensors } from '@clearclip/tensor/safetensors';
import { RUNTIME_FORMAT, expectedTensors, parseOpenClipConfig } from '@clearclip/vit';

/** OpenCLIP's ViT-B-16 config (quick GELU, as OpenAI's weights). */
export const VIT_B_16 = {
  model_cfg: {
    embed_dim: 512,
    quick_gelu: true,
    vision_cfg: { image_size: 224, layers: 12, width: 768, patch_size: 16 },
    text_cfg: { context_length: 77, vocab_size: 49408, width: 512, heads: 8, layers: 12 },
  },
  preprocess_cfg: { mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] },
};

/**
 * A runtime-format ViT-B/16 file with CLIP-like random values: LayerNorm weights 1, biases 0, the rest uniform
 * ±0.02·√3 from a fixed seed (the time of a forward does not depend on the values). Returns every tensor's data too
 * when `keep` is set, so that a peer can be built from the same numbers.
 */
export async function randomWeights(file: string, keep?: Map<string, { shape: number[]; data: Float32Array }>): Promise<void> {
  const text = JSON.stringify(VIT_B_16);
  const shapes = expectedTensors(parseOpenClipConfig(text));
  let s = 12345;
  const layout = [...shapes].map(([name, shape]) => ({ name, dtype: 'F32' as const, shape }));
  await writeSafetensors(
    file,
    async function* () {
      for (const [name, shape] of shapes) {
        const n = shape.reduce((a, b) => a * b, 1);
        const data = new Float32Array(n);
        if (/ln_|ln_final/.test(name) && name.endsWith('.weight')) data.fill(1);
        else if (name === 'logit_scale') data[0] = Math.log(100);
        else if (!name.endsWith('bias')) for (let i = 0; i < n; i++) data[i] = (((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5) * 0.0693;
        keep?.set(name, { shape, data });
        yield { name, dtype: 'F32' as const, shape, data };
      }
    },
    { format: RUNTIME_FORMAT, dtype: 'f32', open_clip_config: text, source: 'random ViT-B/16' },
    layout,
  );
}
