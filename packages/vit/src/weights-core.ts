import type { GpuDevice, Tensor, FloatDType } from '@clearclip/tensor';
import type { StDtype } from '@clearclip/tensor/safetensors-core';
import { type ClipConfig, parseOpenClipConfig } from './config.js';
import { RUNTIME_FORMAT, checkTensorSet, expectedTensors } from './checkpoint.js';

/**
 * Where runtime-layout tensors come from: a file on disk (SafetensorsFile), bytes in memory (SafetensorsBytes), or
 * a checkpoint converted on the fly. Only what uploading needs; no file-system notion.
 */
export interface TensorSource {
  readonly metadata: Record<string, string>;
  names(): string[];
  entry(name: string): { dtype: StDtype; shape: number[] };
  readRaw(name: string): Promise<Uint8Array>;
  readFloat32(name: string): Promise<Float32Array>;
}

export interface LoadedWeights {
  config: ClipConfig;
  /** The open_clip_config.json text the file carries, for cache keys and reports. */
  configText: string;
  dtype: FloatDType;
  tensors: Map<string, Tensor>;
  logitScale: number;
  path: string;
  /** Identifies the weights for caches: the source checkpoint's sha256 when the converter recorded it, else file identity. */
  sourceId: string;
}

/**
 * Upload a runtime-layout tensor source onto the device. Every expected key and shape is checked before anything
 * is uploaded; a mismatch lists the missing, unexpected and mis-shaped tensors. `label` names the source in errors;
 * `fallbackId` identifies it for caches when its metadata carries no source checksum.
 */
export async function uploadClipWeights(
  dev: GpuDevice,
  source: TensorSource,
  label: string,
  opts: { dtype?: FloatDType; fallbackId: () => Promise<string> | string; onTensor?: (index: number, total: number) => void },
): Promise<LoadedWeights> {
  const meta = source.metadata;
  if (meta.format !== RUNTIME_FORMAT) {
    throw new Error(
      `${label}: not a clearclip runtime weights file (metadata format ${JSON.stringify(meta.format ?? null)}, expected "${RUNTIME_FORMAT}"). ` +
        `Convert an OpenCLIP checkpoint first: npx clearclip weights convert <open_clip_model.safetensors> <out.safetensors>, or pass the checkpoint to clearclip, which converts it`,
    );
  }
  if (!meta.open_clip_config) throw new Error(`${label}: metadata has no open_clip_config`);
  const config = parseOpenClipConfig(meta.open_clip_config, `${label} (metadata open_clip_config)`);
  const fileDtype: FloatDType = meta.dtype === 'f16' ? 'f16' : 'f32';
  const dtype = opts.dtype ?? fileDtype;
  if (dtype === 'f16' && !dev.hasF16) throw new Error(`${label}: f16 weights need shader-f16, which ${dev.describe()} lacks; load with dtype 'f32'`);
  const expected = expectedTensors(config);
  const actual = new Map(source.names().map((n) => [n, source.entry(n).shape]));
  const problem = checkTensorSet(expected, actual);
  if (problem) throw new Error(`${label}: tensors do not match the config (${config.vision.layers}-layer ViT, width ${config.vision.width}):${problem}`);
  const tensors = new Map<string, Tensor>();
  let logitScale = Math.log(1 / 0.07);
  try {
    let index = 0;
    for (const [name, shape] of expected) {
      opts.onTensor?.(index++, expected.size);
      const e = source.entry(name);
      if (e.dtype !== 'F32' && e.dtype !== 'F16') throw new Error(`${label}: tensor ${name} has dtype ${e.dtype}, expected F32 or F16`);
      if (name === 'logit_scale') {
        logitScale = (await source.readFloat32(name))[0];
        continue;
      }
      let t: Tensor;
      // Every value is checked as the GPU will hold it, in both dtypes: NaN/Inf in an f16 file, and f32 values
      // that f16 cannot hold (they would turn into Inf on upload).
      if (e.dtype === 'F16' && dtype === 'f16') {
        const raw = await source.readRaw(name);
        const i = firstNonFiniteF16(raw);
        if (i >= 0) throw new Error(`${label}: tensor ${name} holds a non-finite value at element ${i}`);
        t = dev.fromBytes(raw, shape, 'f16', name);
      } else {
        const v = await source.readFloat32(name);
        for (let i = 0; i < v.length; i++) {
          if (!Number.isFinite(v[i])) throw new Error(`${label}: tensor ${name} holds a non-finite value at element ${i}`);
          if (dtype === 'f16' && Math.abs(v[i]) >= F16_OVERFLOW) {
            throw new Error(`${label}: tensor ${name} element ${i} (${v[i]}) overflows f16 (largest finite 65504); load with dtype f32`);
          }
        }
        t = dev.tensor(v, shape, dtype, name);
      }
      tensors.set(name, dev.keep(t));
    }
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  const sourceId = meta.source_sha256 ?? (await opts.fallbackId());
  return { config, configText: meta.open_clip_config, dtype, tensors, logitScale, path: label, sourceId };
}

/** The smallest magnitude that rounds to Inf in f16 (65504 + half an ulp). */
const F16_OVERFLOW = 65520;

/** Index of the first f16 Inf/NaN (exponent bits all ones) in little-endian bytes, or -1. */
function firstNonFiniteF16(raw: Uint8Array): number {
  for (let i = 0; i + 1 < raw.length; i += 2) if ((raw[i + 1] & 0x7c) === 0x7c) return i / 2;
  return -1;
}
