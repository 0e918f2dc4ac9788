import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { SafetensorsFile } from '@clearclip/tensor/safetensors';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertCheckpoint, downloadModel, type DownloadProgress } from '@clearclip/weights-tools';
import { RUNTIME_FORMAT } from '@clearclip/vit';
import { defaultCacheDir } from './queries.js';

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
  if (opts.weights) {
    if (!existsSync(opts.weights)) throw new Error(`--weights ${opts.weights}: file not found`);
    if (await isRuntimeFile(opts.weights)) return opts.weights;
    source = opts.weights;
  } else {
    const model = opts.model ?? 'ViT-B-16';
    const pretrained = opts.pretrained ?? 'openai';
    opts.log?.(`model ${model} ${pretrained}: fetching from the Hugging Face hub (cached after the first run)`);
    const d = await downloadModel({ model, pretrained, onProgress: opts.onProgress });
    source = d.weights;
    config = d.config;
  }
  const st = await stat(source);
  const key = createHash('sha256').update(`${path.resolve(source)}:${st.size}:${st.mtimeMs}:${opts.dtype}`).digest('hex').slice(0, 20);
  const out = path.join(cache, 'runtime', `${path.basename(source).replace(/\.[^.]+$/, '')}-${key}-${opts.dtype}.safetensors`);
  if (existsSync(out)) return out;
  await mkdir(path.dirname(out), { recursive: true });
  opts.log?.(`converting ${source} to the runtime format (${opts.dtype}) -> ${out}`);
  await convertCheckpoint({ input: source, output: out, dtype: opts.dtype, config });
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

/**
 * CLIP's BPE vocabulary: an explicit path, $CLEARCLIP_VOCAB, or bpe_simple_vocab_16e6.txt.gz in the shared folder
 * next to the repository.
 */
export function resolveVocab(explicit?: string): string {
  const candidates = [explicit, process.env.CLEARCLIP_VOCAB, path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/vocab/bpe_simple_vocab_16e6.txt.gz')].filter(
    (x): x is string => !!x,
  );
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(
    `CLIP's BPE vocabulary (bpe_simple_vocab_16e6.txt.gz) was not found (looked at: ${candidates.join(', ')}). ` +
      'Pass --vocab FILE or set CLEARCLIP_VOCAB; the file ships with OpenCLIP (open_clip/bpe_simple_vocab_16e6.txt.gz).',
  );
}
