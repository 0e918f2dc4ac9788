import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { SafetensorsFile } from '@clearclip/tensor/safetensors';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertCheckpoint, downloadHubFiles, downloadModel, type DownloadProgress } from '@clearclip/weights-tools';
import { ClipTokenizer, RUNTIME_FORMAT } from '@clearclip/vit';
import { defaultCacheDir } from './queries.js';
import { weightsFile } from './weights-folder.js';

/**
 * A runtime-format weights file for the options given: --weights as is when already converted, an OpenCLIP
 * checkpoint converted once into the cache, or a hub model downloaded (weights-tools) and converted on first use.
 */
export async function resolveWeights(opts: {
  weights?: string;
  model?: string;
  pretrained?: string;
  dtype: 'f32' | 'f16';
  cacheDir?: string;
  onProgress?: (p: DownloadProgress) => void;
  log?: (msg: string) => void;
}): Promise<string> {
  const cache = opts.cacheDir ?? defaultCacheDir();
  let source: string;
  let config: string | undefined;
  let quickGelu: boolean | undefined;
  if (opts.weights) {
    const file = weightsFile(opts.weights);
    if (await isRuntimeFile(file)) return file;
    source = file;
  } else {
    const model = opts.model ?? 'ViT-B-16';
    const pretrained = opts.pretrained ?? 'openai';
    opts.log?.(`model ${model} ${pretrained}: fetching from the Hugging Face hub (cached after the first run)`);
    const d = await downloadModel({ model, pretrained, onProgress: opts.onProgress });
    source = d.weights;
    config = d.config;
    // OpenCLIP forces QuickGELU for OpenAI and MetaCLIP weights whatever the hub config says.
    quickGelu = d.quickGelu;
  }
  const st = await stat(source);
  const key = createHash('sha256').update(`${path.resolve(source)}:${st.size}:${st.mtimeMs}:${opts.dtype}:${quickGelu ?? ''}`).digest('hex').slice(0, 20);
  const out = path.join(cache, 'runtime', `${path.basename(source).replace(/\.[^.]+$/, '')}-${key}-${opts.dtype}.safetensors`);
  if (existsSync(out)) return out;
  await mkdir(path.dirname(out), { recursive: true });
  opts.log?.(`converting ${source} to the runtime format (${opts.dtype}) -> ${out}`);
  await convertCheckpoint({ input: source, output: out, dtype: opts.dtype, config, quickGelu });
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
 * CLIP's tokenizer: bpe_simple_vocab_16e6.txt.gz from an explicit path, $CLEARCLIP_VOCAB or the shared folder next to
 * the repository; else the hub's vocab.json + merges.txt of the OpenAI CLIP repo (downloaded once, then cached).
 */
export async function loadTokenizer(explicit?: string, log?: (m: string) => void): Promise<ClipTokenizer> {
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`--vocab ${explicit}: file not found`);
    return ClipTokenizer.fromBpeGz(explicit);
  }
  const candidates = [process.env.CLEARCLIP_VOCAB, path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/vocab/bpe_simple_vocab_16e6.txt.gz')];
  for (const c of candidates) if (c && existsSync(c)) return ClipTokenizer.fromBpeGz(c);
  log?.(`tokenizer: no bpe_simple_vocab_16e6.txt.gz found (--vocab, $CLEARCLIP_VOCAB); using vocab.json + merges.txt of ${TOKENIZER_REPO} from the hub`);
  try {
    const [vocab, merges] = await downloadHubFiles({ repo: TOKENIZER_REPO, files: ['vocab.json', 'merges.txt'] });
    return ClipTokenizer.fromHubFiles(vocab, merges);
  } catch (e) {
    throw new Error(`CLIP's tokenizer files could not be found or downloaded (${(e as Error).message}). Pass --vocab bpe_simple_vocab_16e6.txt.gz (it ships with OpenCLIP) or set CLEARCLIP_VOCAB.`);
  }
}
