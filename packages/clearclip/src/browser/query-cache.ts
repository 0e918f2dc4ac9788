import type { CLIP, ClipTokenizer } from '@clearclip/vit/core';
import { encodeQueries } from '../query-encode.js';
import { OPENAI_IMAGENET_TEMPLATES } from '../templates.js';
import type { QueryFeatureSource } from '../segmenter.js';

/** Cache Storage bucket of query features: one entry per (model, templates, class name). */
export const QUERY_CACHE = 'clearclip-queries-v1';

async function sha256Hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Query features that live in Cache Storage (keyed like the Node file cache: model config + source + dtype,
 * templates, name), so a second visit skips the text tower. Without Cache Storage it computes every time.
 */
export function cachedQueryFeatures(clip: CLIP, tokenizer: ClipTokenizer, templates = OPENAI_IMAGENET_TEMPLATES): QueryFeatureSource {
  const E = clip.config.embedDim;
  let prefix: Promise<string> | null = null;
  const keyPrefix = () =>
    (prefix ??= (async () => {
      const w = clip.weights;
      const model = (await sha256Hex(`${w.configText}\0${w.sourceId}\0${w.dtype}`)).slice(0, 24);
      const tpl = (await sha256Hex(templates.map((t) => t('{}')).join('\n'))).slice(0, 16);
      return `https://clearclip.invalid/queries/${model}-${tpl}/`;
    })());
  return async (names) => {
    const cache = typeof caches === 'undefined' ? null : await caches.open(QUERY_CACHE).catch(() => null);
    const base = await keyPrefix();
    const out = new Float32Array(names.length * E);
    const todo: number[] = [];
    for (let i = 0; i < names.length; i++) {
      const hit = await cache?.match(base + encodeURIComponent(names[i]));
      const buf = hit ? await hit.arrayBuffer() : null;
      if (buf && buf.byteLength === 4 * E) out.set(new Float32Array(buf), i * E);
      else todo.push(i);
    }
    if (todo.length === 0) return out;
    const fresh = await encodeQueries(clip, tokenizer, todo.map((i) => names[i]), templates);
    for (let k = 0; k < todo.length; k++) {
      const q = fresh.slice(k * E, (k + 1) * E);
      out.set(q, todo[k] * E);
      await cache?.put(base + encodeURIComponent(names[todo[k]]), new Response(q.buffer)).catch(() => undefined);
    }
    return out;
  };
}
