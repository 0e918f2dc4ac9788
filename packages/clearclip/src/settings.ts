/**
 * The Node entry's settings, resolved once. Precedence, in this one place: CLI flags (the CLI turns them into
 * options), then options, then the environment, then the model's own config (read later, see
 * image/normalize.ts segmentationNormalisation), then defaults. Everything below the entry receives the resolved
 * values and reads no environment variable itself.
 */
import os from 'node:os';
import path from 'node:path';
import type { FloatDType, GpuDevice } from '@clearclip/tensor';
import { hubSettingsFromEnv, type HubSettings } from '@clearclip/weights-tools';
import { DEFAULT_MAX_IMAGE_PIXELS } from './image/pixel-limit.js';
import { SettingsError } from './settings-check.js';

export const DEFAULT_DTYPE: FloatDType = 'f32';
export const DEFAULT_MODEL = 'ViT-B-16';
export const DEFAULT_PRETRAINED = 'openai';

/** The environment variables the Node entry honours, read in one place. */
export interface EnvSettings {
  /** $CLEARCLIP_CACHE: converted weights and query features. */
  cacheDir?: string;
  /** $CLEARCLIP_VOCAB: bpe_simple_vocab_16e6.txt.gz. */
  vocab?: string;
  /** $CLEARCLIP_MAX_IMAGE_PIXELS: the decompression-bomb limit. */
  maxImagePixels?: number;
  /** HF_HUB_CACHE / HF_HOME, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE. */
  hub: HubSettings;
}

export function envSettings(env: NodeJS.ProcessEnv = process.env): EnvSettings {
  const pixels = env.CLEARCLIP_MAX_IMAGE_PIXELS;
  let maxImagePixels: number | undefined;
  if (pixels !== undefined && pixels !== '') {
    maxImagePixels = Number(pixels);
    if (!(Number.isFinite(maxImagePixels) && maxImagePixels > 0)) throw new Error(`CLEARCLIP_MAX_IMAGE_PIXELS: expected a positive number, got "${pixels}"`);
  }
  return {
    cacheDir: env.CLEARCLIP_CACHE || undefined,
    vocab: env.CLEARCLIP_VOCAB || undefined,
    maxImagePixels,
    hub: hubSettingsFromEnv(env),
  };
}

/** The cache folder when neither an option nor $CLEARCLIP_CACHE names one. */
export function defaultClearclipCacheDir(env: EnvSettings = envSettings()): string {
  return env.cacheDir ?? path.join(os.homedir(), '.cache', 'clearclip');
}

export interface ModelRequest {
  weights?: string;
  model?: string;
  pretrained?: string;
  dtype?: FloatDType;
  quickGelu?: boolean;
  vocab?: string;
  /** null disables the query-feature cache (converted weights still need a folder: the default one). */
  cacheDir?: string | null;
  maxImagePixels?: number;
}

/** Every loading setting with its value decided; `vocab` undefined = the hub's tokenizer files. */
export interface ResolvedModelSettings {
  weights: string | undefined;
  model: string;
  pretrained: string;
  dtype: FloatDType;
  quickGelu: boolean | undefined;
  vocab: string | undefined;
  /** Where vocab came from, for messages: the option or $CLEARCLIP_VOCAB. */
  vocabSource: 'option' | 'env' | undefined;
  /** Converted weights. */
  cacheDir: string;
  /** Query features; null = not cached. */
  queryCacheDir: string | null;
  maxImagePixels: number;
  hub: HubSettings;
}

/** Options over the environment over defaults; values are checked here, so errors name the option. */
export function resolveModelSettings(o: ModelRequest, env: EnvSettings = envSettings()): ResolvedModelSettings {
  const dtype = o.dtype ?? DEFAULT_DTYPE;
  if (dtype !== 'f32' && dtype !== 'f16') throw new SettingsError('dtype', `expected f32 or f16, got ${JSON.stringify(dtype)}`);
  if (o.weights !== undefined && (o.model !== undefined || o.pretrained !== undefined)) {
    throw new SettingsError('weights', 'give weights or model/pretrained, not both');
  }
  if (o.maxImagePixels !== undefined && !(Number.isFinite(o.maxImagePixels) && o.maxImagePixels > 0)) {
    throw new SettingsError('maxImagePixels', `expected a positive number, got ${o.maxImagePixels}`);
  }
  const cacheDir = o.cacheDir ?? defaultClearclipCacheDir(env);
  return {
    weights: o.weights,
    model: o.model ?? DEFAULT_MODEL,
    pretrained: o.pretrained ?? DEFAULT_PRETRAINED,
    dtype,
    quickGelu: o.quickGelu,
    vocab: o.vocab ?? env.vocab,
    vocabSource: o.vocab !== undefined ? 'option' : env.vocab !== undefined ? 'env' : undefined,
    cacheDir,
    queryCacheDir: o.cacheDir === null ? null : cacheDir,
    maxImagePixels: o.maxImagePixels ?? env.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS,
    hub: env.hub,
  };
}

/** Settings the device must support, checked as soon as it exists: before any download or conversion. */
export function checkDeviceSettings(s: Pick<ResolvedModelSettings, 'dtype'>, device: GpuDevice): void {
  if (s.dtype === 'f16' && !device.hasF16) {
    throw new SettingsError('dtype', `f16 needs the adapter feature shader-f16, which ${device.describe()} lacks; use f32`);
  }
}
