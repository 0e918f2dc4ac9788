import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CLIP, ClipTokenizer } from '@clearclip/vit';
import { OPENAI_IMAGENET_TEMPLATES } from './templates.js';
import { PhaseReporter, type ProgressCallback } from './progress.js';
import { encodeQueries } from './query-encode.js';
import { writeFileAtomic } from './fs-atomic.js';

export { trimTokenRows } from './query-encode.js';

export interface QueryOptions {
  templates?: readonly ((c: string) => string)[];
  /** Folder for cached query features; null disables the cache. Default $CLEARCLIP_CACHE or ~/.cache/clearclip. */
  cacheDir?: string | null;
  /** Most prompts per text-tower batch (default 512; fewer when the binding limit requires). */
  batch?: number;
  /** Called once per text-tower batch (for tests and progress): rows and tokens per row run in it. */
  onBatch?: (prompts: number, tokens: number) => void;
  /**
   * How prompts reach the text tower (default 'prefix'): 'prefix' runs each template's shared prefix once and only
   * the class-dependent rest per class; 'length' batches whole prompts by token count; 'fifo' batches them in
   * order (the earlier behaviour, for comparison). All three are exact up to the order of summation.
   */
  plan?: 'prefix' | 'length' | 'fifo';
  /** 'queries' progress events: classes done of those not cached, with prompts/s. */
  onProgress?: ProgressCallback;
  /** A cache that cannot be written is not fatal: told here (default: stderr) and the features are still returned. */
  onWarn?: (message: string) => void;
}

export function defaultCacheDir(): string {
  return process.env.CLEARCLIP_CACHE ?? path.join(os.homedir(), '.cache', 'clearclip');
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
  const what = `${names.length} ${names.length === 1 ? 'class' : 'classes'}`;
  if (todo.length === 0) {
    new PhaseReporter(opts.onProgress, 'queries', what, 'classes', names.length).cached(dir ?? undefined);
    return out;
  }
  const report = new PhaseReporter(opts.onProgress, 'queries', what, 'classes', todo.length).start();
  const tStart = performance.now();

  const rate = (prompts: number) => prompts / Math.max(1e-3, (performance.now() - tStart) / 1000);
  const fresh = await encodeQueries(clip, tokenizer, todo.map((i) => names[i]), templates, {
    batch: opts.batch,
    onBatch: opts.onBatch,
    plan: opts.plan,
    onPrompts: (done) => report.progress(Math.floor(done / templates.length), { rate: rate(done) }),
  });
  report.done({ rate: rate(todo.length * templates.length) });
  const T = templates.length;
  let cacheOk = true;
  for (let k = 0; k < todo.length; k++) {
    const q = fresh.subarray(k * E, (k + 1) * E);
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
  try {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(file, q);
    return true;
  } catch (e) {
    const warn = onWarn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
    warn(`query cache ${dir} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); continuing without caching`);
    return false;
  }
}
