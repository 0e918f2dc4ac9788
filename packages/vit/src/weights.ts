import { type GpuDevice, type Tensor, type FloatDType } from '@clearclip/tensor';
import { stat } from 'node:fs/promises';
import { SafetensorsFile } from '@clearclip/tensor/safetensors';
import { type ClipConfig, parseOpenClipConfig } from './config.js';
import { RUNTIME_FORMAT, checkTensorSet, expectedTensors } from './checkpoint.js';

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
 * Load a runtime-format file (written by `weights-tools convert`) onto the device. Every expected key and shape is
 * checked before anything is uploaded; a mismatch lists the missing, unexpected and mis-shaped tensors.
 * `dtype` converts on load (default: the file's dtype).
 */
export async function loadClipWeights(dev: GpuDevice, path: string, opts: { dtype?: FloatDType } = {}): Promise<LoadedWeights> {
  const file = await SafetensorsFile.open(path);
  try {
    const meta = file.metadata;
    if (meta.format !== RUNTIME_FORMAT) {
      throw new Error(
        `${path}: not a clearclip runtime weights file (metadata format ${JSON.stringify(meta.format ?? null)}, expected "${RUNTIME_FORMAT}"). ` +
          `Convert an OpenCLIP checkpoint first: npx weights-tools convert <open_clip_model.safetensors> <out.safetensors>`,
      );
    }
    if (!meta.open_clip_config) throw new Error(`${path}: metadata has no open_clip_config`);
    const config = parseOpenClipConfig(meta.open_clip_config, `${path} (metadata open_clip_config)`);
    const fileDtype: FloatDType = meta.dtype === 'f16' ? 'f16' : 'f32';
    const dtype = opts.dtype ?? fileDtype;
    if (dtype === 'f16' && !dev.hasF16) throw new Error(`${path}: f16 weights need shader-f16, which ${dev.describe()} lacks; load with dtype 'f32'`);
    const expected = expectedTensors(config);
    const actual = new Map(file.names().map((n) => [n, file.entry(n).shape]));
    const problem = checkTensorSet(expected, actual);
    if (problem) throw new Error(`${path}: tensors do not match the config (${config.vision.layers}-layer ViT, width ${config.vision.width}):${problem}`);
    const tensors = new Map<string, Tensor>();
    let logitScale = Math.log(1 / 0.07);
    try {
      for (const [name, shape] of expected) {
        const e = file.entry(name);
        if (e.dtype !== 'F32' && e.dtype !== 'F16') throw new Error(`${path}: tensor ${name} has dtype ${e.dtype}, expected F32 or F16`);
        if (name === 'logit_scale') {
          logitScale = (await file.readFloat32(name))[0];
          continue;
        }
        let t: Tensor;
        // Every value is checked as the GPU will hold it, in both dtypes: NaN/Inf in an f16 file, and f32 values
        // that f16 cannot hold (they would turn into Inf on upload).
        if (e.dtype === 'F16' && dtype === 'f16') {
          const raw = await file.readRaw(name);
          const i = firstNonFiniteF16(raw);
          if (i >= 0) throw new Error(`${path}: tensor ${name} holds a non-finite value at element ${i}`);
          t = dev.fromBytes(raw, shape, 'f16', name);
        } else {
          const v = await file.readFloat32(name);
          for (let i = 0; i < v.length; i++) {
            if (!Number.isFinite(v[i])) throw new Error(`${path}: tensor ${name} holds a non-finite value at element ${i}`);
            if (dtype === 'f16' && Math.abs(v[i]) >= F16_OVERFLOW) {
              throw new Error(`${path}: tensor ${name} element ${i} (${v[i]}) overflows f16 (largest finite 65504); load with dtype f32`);
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
    const st = await stat(path);
    const sourceId = meta.source_sha256 ?? `${path}:${st.size}:${st.mtimeMs}`;
    return { config, configText: meta.open_clip_config, dtype, tensors, logitScale, path, sourceId };
  } finally {
    await file.close();
  }
}

/** The smallest magnitude that rounds to Inf in f16 (65504 + half an ulp). */
const F16_OVERFLOW = 65520;

/** Index of the first f16 Inf/NaN (exponent bits all ones) in little-endian bytes, or -1. */
function firstNonFiniteF16(raw: Uint8Array): number {
  for (let i = 0; i + 1 < raw.length; i += 2) if ((raw[i + 1] & 0x7c) === 0x7c) return i / 2;
  return -1;
}
