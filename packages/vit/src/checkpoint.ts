import type { ClipConfig } from './config.js';
import { runtimeShape } from './runtime-layout.js';

export { RUNTIME_FORMAT } from './runtime-layout.js';

/**
 * The tensors a CLIP model of this config needs, by OpenCLIP key, in the runtime layout that weights-tools writes.
 * Shapes are written here as PyTorch has them; runtimeShape (runtime-layout.ts, the rule weights-tools converts by)
 * turns them into the stored shapes, so which weights are transposed is decided in one place.
 */
export function expectedTensors(cfg: ClipConfig): Map<string, number[]> {
  const torch = new Map<string, number[]>();
  const m = { set: (key: string, shape: number[]) => torch.set(key, shape) };
  const blocks = (prefix: string, layers: number, w: number, mlp: number): void => {
    for (let i = 0; i < layers; i++) {
      const b = `${prefix}transformer.resblocks.${i}.`;
      m.set(`${b}ln_1.weight`, [w]);
      m.set(`${b}ln_1.bias`, [w]);
      m.set(`${b}attn.in_proj_weight`, [3 * w, w]);
      m.set(`${b}attn.in_proj_bias`, [3 * w]);
      m.set(`${b}attn.out_proj.weight`, [w, w]);
      m.set(`${b}attn.out_proj.bias`, [w]);
      m.set(`${b}ln_2.weight`, [w]);
      m.set(`${b}ln_2.bias`, [w]);
      m.set(`${b}mlp.c_fc.weight`, [mlp, w]);
      m.set(`${b}mlp.c_fc.bias`, [mlp]);
      m.set(`${b}mlp.c_proj.weight`, [w, mlp]);
      m.set(`${b}mlp.c_proj.bias`, [w]);
    }
  };
  const v = cfg.vision;
  const grid = (v.imageSize[0] / v.patchSize) * (v.imageSize[1] / v.patchSize);
  m.set('visual.conv1.weight', [v.width, 3, v.patchSize, v.patchSize]);
  m.set('visual.class_embedding', [v.width]);
  m.set('visual.positional_embedding', [grid + 1, v.width]);
  m.set('visual.ln_pre.weight', [v.width]);
  m.set('visual.ln_pre.bias', [v.width]);
  blocks('visual.', v.layers, v.width, v.mlpWidth);
  m.set('visual.ln_post.weight', [v.width]);
  m.set('visual.ln_post.bias', [v.width]);
  m.set('visual.proj', [v.width, cfg.embedDim]);
  const t = cfg.text;
  m.set('token_embedding.weight', [t.vocabSize, t.width]);
  m.set('positional_embedding', [t.contextLength, t.width]);
  blocks('', t.layers, t.width, t.mlpWidth);
  m.set('ln_final.weight', [t.width]);
  m.set('ln_final.bias', [t.width]);
  m.set('text_projection', [t.width, cfg.embedDim]);
  m.set('logit_scale', []);
  return new Map([...torch].map(([key, shape]) => [key, runtimeShape(key, shape)]));
}

/**
 * Compare a file's tensor shapes with what the config needs. Returns a readable report of missing, unexpected and
 * mis-shaped tensors, or null when they agree.
 */
export function checkTensorSet(expected: Map<string, number[]>, actual: Map<string, number[]>): string | null {
  const missing = [...expected.keys()].filter((k) => !actual.has(k));
  const unexpected = [...actual.keys()].filter((k) => !expected.has(k));
  const misShaped = [...expected.entries()]
    .filter(([k, s]) => actual.has(k) && JSON.stringify(actual.get(k)) !== JSON.stringify(s))
    .map(([k, s]) => `${k}: file [${actual.get(k)!.join(', ')}], expected [${s.join(', ')}]`);
  if (!missing.length && !unexpected.length && !misShaped.length) return null;
  const list = (title: string, xs: string[]): string => (xs.length ? `\n  ${title} (${xs.length}): ${xs.slice(0, 20).join('; ')}${xs.length > 20 ? '; ...' : ''}` : '');
  return list('missing', missing) + list('unexpected', unexpected) + list('mis-shaped', misShaped);
}
