import { l2Normalize } from '@clearclip/tensor';
import { type CLIP, type ClipTokenizer, encodePrefixes, encodeSuffixes } from '@clearclip/vit/core';
import { eotPosition, lengthBatches, planPrefixGroups, templatePrefix } from './prompt-plan.js';

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

export interface EncodeOptions {
  batch?: number;
  onBatch?: (prompts: number, tokens: number) => void;
  onPrompts?: (done: number, total: number) => void;
  /**
   * How prompts reach the text tower (default 'prefix'): 'prefix' runs each template's shared prefix once and only
   * the class-dependent rest per class; 'length' batches whole prompts by token count; 'fifo' batches them in
   * order (the earlier behaviour, for comparison). All three are exact up to the order of summation.
   */
  plan?: 'prefix' | 'length' | 'fifo';
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
  opts: EncodeOptions = {},
): Promise<Float32Array> {
  const E = clip.config.embedDim;
  const T = templates.length;
  const feats = new Float32Array(names.length * T * E);
  let done = 0;
  const step = (prompts: number) => {
    done += prompts;
    opts.onPrompts?.(done, names.length * T);
  };
  const plan = opts.plan ?? 'prefix';
  if (plan === 'prefix') await prefixFeatures(clip, tokenizer, names, templates, feats, opts, step);
  else {
    const prompts = names.flatMap((n) => templates.map((t) => t(n)));
    await wholePromptFeatures(clip, tokenizer, prompts, prompts.map((_, p) => p), feats, opts, plan === 'length', step);
  }
  const out = new Float32Array(names.length * E);
  for (let k = 0; k < names.length; k++) {
    const mean = new Float64Array(E);
    for (let t = 0; t < T; t++) for (let e = 0; e < E; e++) mean[e] += feats[(k * T + t) * E + e];
    out.set(Float32Array.from(l2(mean.map((x) => x / T))), k * E);
  }
  return out;
}

type Templates = readonly ((c: string) => string)[];

/** L2-normalised features of whole prompts, prompt p's into feats[slots[p] * E]. */
async function wholePromptFeatures(
  clip: CLIP,
  tokenizer: ClipTokenizer,
  prompts: string[],
  slots: readonly number[],
  feats: Float32Array,
  opts: EncodeOptions,
  byLength: boolean,
  step: (prompts: number) => void,
): Promise<void> {
  const E = clip.config.embedDim;
  const ctx = clip.config.text.contextLength;
  const dev = clip.device;
  const all = tokenizer.tokenize(prompts, ctx);
  // Prompt order: by token length, so that a batch is cut to (almost) its own rows' length; or as given.
  const lengths = prompts.map((_, p) => eotPosition(all, p, ctx, tokenizer.eotId) + 1);
  const order = byLength ? lengthBatches(lengths).flatMap((b) => b.prompts) : prompts.map((_, p) => p);
  for (let s = 0; s < order.length; ) {
    // As many prompts as the binding limit allows at this chunk's token length (long class names need smaller batches).
    let n = Math.min(opts.batch ?? 512, order.length - s);
    for (;;) {
      const chunk = order.slice(s, s + n);
      const rows = new Int32Array(n * ctx);
      chunk.forEach((p, r) => rows.set(all.subarray(p * ctx, (p + 1) * ctx), r * ctx));
      const { ids, length } = trimTokenRows(rows, n, ctx, tokenizer.eotId);
      const fit = clip.text.maxBatch(length, dev.maxTensorBytes);
      if (n > fit) {
        n = fit;
        continue;
      }
      opts.onBatch?.(n, length);
      const f = await dev.scopeAsync(async () => l2Normalize(clip.encodeText(ids, n)).read());
      chunk.forEach((p, r) => feats.set(f.subarray(r * E, (r + 1) * E), slots[p] * E));
      break;
    }
    s += n;
    step(n);
  }
}

/**
 * The same features by prefix groups (see prompt-plan.ts): per group of templates with equal-length prefixes, the
 * prefixes run once, then each bucket of classes runs its remaining tokens against the cached keys and values.
 */
async function prefixFeatures(
  clip: CLIP,
  tokenizer: ClipTokenizer,
  names: string[],
  templates: Templates,
  feats: Float32Array,
  opts: EncodeOptions,
  step: (prompts: number) => void,
): Promise<void> {
  const E = clip.config.embedDim;
  const ctx = clip.config.text.contextLength;
  const dev = clip.device;
  const T = templates.length;
  const rows = templates.map((t) => tokenizer.tokenize(names.map((n) => t(n)), ctx));
  // Probe names whose first tokens differ mark where each template's class name starts.
  const prefixes = templates.map((t) => templatePrefix(tokenizer.tokenize([t('a')], ctx), tokenizer.tokenize([t('b')], ctx), ctx, tokenizer.eotId));
  const maxRows = (tokens: number) => Math.min(opts.batch ?? 512, clip.text.maxBatch(tokens, dev.maxTensorBytes));
  const { groups, whole } = planPrefixGroups(rows, prefixes, names.length, ctx, tokenizer.eotId, maxRows);
  if (whole.length) {
    const prompts = whole.map(([t, c]) => templates[t](names[c]));
    await wholePromptFeatures(clip, tokenizer, prompts, whole.map(([t, c]) => c * T + t), feats, opts, true, step);
  }
  for (const group of groups) {
    const G = group.templates.length;
    const prefix = encodePrefixes(clip.text, group.prefixIds, G);
    try {
      for (const b of group.buckets) {
        const C = b.classes.length;
        opts.onBatch?.(G * C, b.S);
        const f = await dev.scopeAsync(async () => l2Normalize(encodeSuffixes(clip.text, prefix, b.ids, C)).read());
        group.templates.forEach((t, g) =>
          b.classes.forEach((c, k) => feats.set(f.subarray((g * C + k) * E, (g * C + k + 1) * E), (c * T + t) * E)),
        );
        step(G * C);
      }
    } finally {
      prefix.dispose();
    }
  }
}

/**
 * The launches of the prefix plan (encodePrefixes, then encodeSuffixes against the cached keys and values) on one
 * template and one class, for GpuDevice.precompile's trace: the same kernels the query features of any class list
 * run, compiled ahead of the first query.
 */
export function tracePrefixPath(clip: CLIP, tokenizer: ClipTokenizer): void {
  const ctx = clip.config.text.contextLength;
  // A short suffix and a long one: the matmul kernel's tile depends on the number of suffix rows.
  for (const t of [(name: string) => `a photo of a ${name}.`, (name: string) => `a photo of a ${name} in a video game, drawn small.`]) {
    const P = templatePrefix(tokenizer.tokenize([t('a')], ctx), tokenizer.tokenize([t('b')], ctx), ctx, tokenizer.eotId).length;
    const row = tokenizer.tokenize([t('sky')], ctx);
    const end = eotPosition(row, 0, ctx, tokenizer.eotId) + 1;
    if (P === 0 || P >= end) continue;
    const cache = encodePrefixes(clip.text, row.subarray(0, P), 1);
    l2Normalize(encodeSuffixes(clip.text, cache, row.subarray(P, end), 1));
    cache.dispose();
  }
}
