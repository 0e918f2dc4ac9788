import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { SafetensorsFile } from '@clearclip/tensor/safetensors';
import { convertCheckpoint, downloadHubFiles, downloadModel, findHubModel, type DownloadProgress, type HubSettings } from '@clearclip/weights-tools';
import { ClipTokenizer, RUNTIME_FORMAT } from '@clearclip/vit';
import { DEFAULT_MODEL, DEFAULT_PRETRAINED, defaultClearclipCacheDir } from './settings.js';
import { PhaseReporter, type ProgressCallback } from './progress.js';
import { runtimeDir, runtimeFileName, sourceSha256, touch } from './runtime-cache.js';
import { quickGeluWarning } from './quick-gelu.js';
import { weightsFile } from './weights-folder.js';
import { uniqueTempName } from './fs-atomic.js';

export interface ResolveWeightsOptions {
  weights?: string;
  model?: string;
  pretrained?: string;
  dtype: 'f32' | 'f16';
  /** Force QuickGELU (true) or GELU (false); default: the model table for hub models, else the checkpoint's config. */
  quickGelu?: boolean;
  /** Converted weights; default $CLEARCLIP_CACHE or ~/.cache/clearclip (settings.ts). */
  cacheDir?: string;
  /** Hub location and access (settings.ts resolves them at the entry); default: the environment's. */
  hub?: HubSettings;
  onProgress?: ProgressCallback;
  log?: (msg: string) => void;
}

/** Hub download progress as the library's progress events, one phase per file. */
function downloadReporter(cb: ProgressCallback | undefined): ((p: DownloadProgress) => void) | undefined {
  if (!cb) return undefined;
  const phases = new Map<string, { r: PhaseReporter; t0: number }>();
  return (p) => {
    const name = `${p.repo}/${p.file}`;
    let s = phases.get(name);
    if (!s) phases.set(name, (s = { r: new PhaseReporter(cb, 'download', name, 'bytes', p.total).start(), t0: performance.now() }));
    const rate = p.downloaded / Math.max(1e-3, (performance.now() - s.t0) / 1000);
    if (p.done) s.r.done({ rate });
    else s.r.progress(p.downloaded, { total: p.total, rate });
  };
}

/**
 * A runtime-format weights file for the options given: `weights` as is when already converted, an OpenCLIP
 * checkpoint converted once into the cache, or a hub model downloaded and converted on first use. Converted copies
 * are keyed by the source's sha256 (runtime-cache.ts).
 */
export async function resolveWeights(opts: ResolveWeightsOptions): Promise<string> {
  const cache = opts.cacheDir ?? defaultClearclipCacheDir();
  let source: string;
  let config: string | undefined;
  let quickGelu = opts.quickGelu;
  if (opts.weights) {
    const file = weightsFile(opts.weights);
    if (await isRuntimeFile(file)) {
      if (opts.quickGelu !== undefined) throw new Error(`weights ${opts.weights}: already converted; quickGelu applies to checkpoints (convert again from the checkpoint)`);
      return file;
    }
    source = file;
  } else {
    const model = opts.model ?? DEFAULT_MODEL;
    const pretrained = opts.pretrained ?? DEFAULT_PRETRAINED;
    findHubModel(model, pretrained); // an unknown name fails here, before any network
    const d = await downloadModel({ model, pretrained, ...opts.hub, onProgress: downloadReporter(opts.onProgress) });
    if (d.fromCache) new PhaseReporter(opts.onProgress, 'download', `${d.repo}`, 'bytes', null).cached(path.dirname(d.weights));
    source = d.weights;
    config = d.config;
    // OpenCLIP forces QuickGELU for OpenAI and MetaCLIP weights whatever the hub config says.
    quickGelu ??= d.quickGelu;
  }
  if (quickGelu === undefined) {
    const w = await quickGeluWarning(source, config);
    if (w) opts.log?.(w);
  }
  const sha = await sourceSha256(cache, source);
  const out = path.join(runtimeDir(cache), runtimeFileName(sha, opts.dtype, quickGelu));
  const convert = new PhaseReporter(opts.onProgress, 'convert', path.basename(source), 'tensors', null);
  if (existsSync(out)) {
    convert.cached(out);
    await touch(out);
    return out;
  }
  await mkdir(path.dirname(out), { recursive: true });
  convert.start();
  // A name unique to this process, renamed into place when complete: concurrent first runs each convert, and the
  // last rename wins with an identical file; no reader ever sees a partial one.
  const tmp = uniqueTempName(out, 'incomplete');
  try {
    await convertCheckpoint({ input: source, output: tmp, dtype: opts.dtype, config, quickGelu, onTensor: (_n, i, n) => convert.progress(i, { total: n }) });
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  convert.done({ detail: `${((await stat(out)).size / 1048576).toFixed(0)} MiB in ${runtimeDir(cache)}` });
  return out;
}

async function isRuntimeFile(p: string): Promise<boolean> {
  try {
    const f = await SafetensorsFile.open(p);
    const ok = f.metadata.format === RUNTIME_FORMAT;
    await f.close();
    return ok;
  } catch {
    return false;
  }
}

/** Where the tokenizer files come from when no bpe_simple_vocab_16e6.txt.gz is at hand: the same BPE as vocab.json + merges.txt. */
export const TOKENIZER_REPO = 'openai/clip-vit-base-patch16';

/**
 * CLIP's tokenizer: bpe_simple_vocab_16e6.txt.gz when a vocab file is given (the entry resolves option or
 * $CLEARCLIP_VOCAB, settings.ts); else the hub's vocab.json + merges.txt of the OpenAI CLIP repo (downloaded once,
 * then read from the hub cache). `vocabSource` only words the error.
 */
export async function loadTokenizer(
  vocab?: string,
  opts: { log?: (m: string) => void; onProgress?: ProgressCallback; hub?: HubSettings; vocabSource?: 'option' | 'env' } = {},
): Promise<ClipTokenizer> {
  if (vocab) {
    if (!existsSync(vocab)) throw new Error(`vocab ${vocab}${opts.vocabSource === 'env' ? ' (from $CLEARCLIP_VOCAB)' : ''}: file not found`);
    return ClipTokenizer.fromBpeGz(vocab);
  }
  try {
    const [v, merges] = await downloadHubFiles({ repo: TOKENIZER_REPO, files: ['vocab.json', 'merges.txt'], ...opts.hub, onProgress: downloadReporter(opts.onProgress) });
    return ClipTokenizer.fromHubFiles(v, merges);
  } catch (e) {
    throw new Error(`CLIP's tokenizer files could not be found or downloaded (${(e as Error).message}). Pass vocab (--vocab bpe_simple_vocab_16e6.txt.gz; it ships with OpenCLIP) or set CLEARCLIP_VOCAB.`);
  }
}
