import { l2Normalize } from '@clearclip/tensor';
import type { CLIP, ClipTokenizer } from '@clearclip/vit/core';

/**
 * Rows of token ids cut after the longest row's end-of-text token. Attention is causal and pooling reads the
 * end-of-text row, so the padding after it cannot change any feature: the text tower runs on L tokens, not 77.
 */
export function trimTokenRows(ids: Int32Array, rows: number, context: number, eot: number): { ids: Int32Array; length: number } {
  let len = 1;
  for (let r = 0; r < rows; r++) {
    let e = context - 1;
    for (let l = 0; l < context; l++) if (ids[r * context + l] === eot) { e = l; break; }
    len = Math.max(len, e + 1);
  }
  if (len === context) return { ids, length: context };
  const out = new Int32Array(rows * len);
  for (let r = 0; r < rows; r++) out.set(ids.subarray(r * context, r * context + len), r * len);
  return { ids: out, length: len };
}

function l2(v: Float64Array): Float64Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  return v.map((x) => x / n);
}

/**
 * Query features [N, E] for class names, no cache: each name in every template -> text tower -> L2-normalise ->
 * mean (float64 on the host) -> L2-normalise. Environment-neutral; the caches (files, Cache Storage) wrap it.
 */
export async function encodeQueries(
  clip: CLIP,
  tokenizer: ClipTokenizer,
  names: string[],
  templates: readonly ((c: string) => string)[],
  opts: { batch?: number; onBatch?: (prompts: number, tokens: number) => void; onPrompts?: (done: number, total: number) => void } = {},
): Promise<Float32Array> {
  const E = clip.config.embedDim;
  const ctx = clip.config.text.contextLength;
  const prompts = names.flatMap((n) => templates.map((t) => t(n)));
  const feats = new Float32Array(prompts.length * E);
  const dev = clip.device;
  for (let s = 0; s < prompts.length; ) {
    // As many prompts as the binding limit allows at this chunk's token length (long class names need smaller batches).
    let n = Math.min(opts.batch ?? 512, prompts.length - s);
    for (;;) {
      const chunk = prompts.slice(s, s + n);
      const { ids, length } = trimTokenRows(tokenizer.tokenize(chunk, ctx), n, ctx, tokenizer.eotId);
      const fit = clip.text.maxBatch(length, dev.maxTensorBytes);
      if (n > fit) {
        n = fit;
        continue;
      }
      opts.onBatch?.(n, length);
      const f = await dev.scopeAsync(async () => l2Normalize(clip.encodeText(ids, n)).read());
      feats.set(f, s * E);
      break;
    }
    s += n;
    opts.onPrompts?.(s, prompts.length);
  }
  const T = templates.length;
  const out = new Float32Array(names.length * E);
  for (let k = 0; k < names.length; k++) {
    const mean = new Float64Array(E);
    for (let t = 0; t < T; t++) for (let e = 0; e < E; e++) mean[e] += feats[(k * T + t) * E + e];
    out.set(Float32Array.from(l2(mean.map((x) => x / T))), k * E);
  }
  return out;
}
