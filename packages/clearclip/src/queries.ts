import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { l2Normalize } from '@clearclip/tensor';
import type { CLIP, ClipTokenizer } from '@clearclip/vit';
import { OPENAI_IMAGENET_TEMPLATES } from './templates.js';

export interface QueryOptions {
  templates?: readonly ((c: string) => string)[];
  /** Folder for cached query features; null disables the cache. Default $CLEARCLIP_CACHE or ~/.cache/clearclip. */
  cacheDir?: string | null;
  /** Most prompts per text-tower batch (default 512; fewer when the binding limit requires). */
  batch?: number;
  /** Called once per text-tower batch (for tests and progress). */
  onBatch?: (prompts: number, tokens: number) => void;
  /** A cache that cannot be written is not fatal: told here (default: stderr) and the features are still returned. */
  onWarn?: (message: string) => void;
}

export function defaultCacheDir(): string {
  return process.env.CLEARCLIP_CACHE ?? path.join(os.homedir(), '.cache', 'clearclip');
}

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

/** What identifies a model's text tower for the cache: its config and its source checksum (or file identity). */
export function modelCacheId(clip: CLIP): string {
  const w = clip.weights;
  return createHash('sha256').update(w.configText).update('\0').update(w.sourceId).update('\0').update(w.dtype).digest('hex').slice(0, 24);
}

/**
 * Query features [Q, E] for class names: each name in every template -> text tower -> L2-normalise -> mean ->
 * L2-normalise (float64 on the host for the mean). Cached per (model, templates, name) on disk.
 */
export async function queryFeatures(clip: CLIP, tokenizer: ClipTokenizer, names: string[], opts: QueryOptions = {}): Promise<Float32Array> {
  const templates = opts.templates ?? OPENAI_IMAGENET_TEMPLATES;
  const E = clip.config.embedDim;
  const ctx = clip.config.text.contextLength;
  const out = new Float32Array(names.length * E);
  const cacheDir = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  const tplHash = createHash('sha256').update(templates.map((t) => t('{}')).join('\n')).digest('hex').slice(0, 16);
  const dir = cacheDir ? path.join(cacheDir, 'queries', `${modelCacheId(clip)}-${tplHash}`) : null;
  const fileOf = (name: string) => path.join(dir!, `${createHash('sha256').update(name).digest('hex').slice(0, 32)}.f32`);

  const todo: number[] = [];
  for (let i = 0; i < names.length; i++) {
    if (dir) {
      try {
        const buf = await readFile(fileOf(names[i]));
        if (buf.byteLength === 4 * E) {
          out.set(new Float32Array(buf.buffer, buf.byteOffset, E), i * E);
          continue;
        }
      } catch {
        /* not cached */
      }
    }
    todo.push(i);
  }
  if (todo.length === 0) return out;

  const prompts = todo.flatMap((i) => templates.map((t) => t(names[i])));
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
  }
  const T = templates.length;
  let cacheOk = true;
  for (let k = 0; k < todo.length; k++) {
    const mean = new Float64Array(E);
    for (let t = 0; t < T; t++) for (let e = 0; e < E; e++) mean[e] += feats[(k * T + t) * E + e];
    const q = Float32Array.from(l2(mean.map((x) => x / T)));
    out.set(q, todo[k] * E);
    if (dir && cacheOk) cacheOk = await writeCached(dir, fileOf(names[todo[k]]), q, opts.onWarn);
  }
  return out;
}

/**
 * One cache entry, through a temporary name of its own (concurrent writers of the same entry, in this process or
 * another, each rename a complete file). False, after one warning, when the cache cannot be written.
 */
async function writeCached(dir: string, file: string, q: Float32Array, onWarn?: (m: string) => void): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, q);
    await rename(tmp, file);
    return true;
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const warn = onWarn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
    warn(`query cache ${dir} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); continuing without caching`);
    return false;
  }
}
