import type { GpuDevice, FloatDType } from '@clearclip/tensor';
import { stat } from 'node:fs/promises';
import { SafetensorsFile } from '@clearclip/tensor/safetensors';
import { type LoadedWeights, uploadClipWeights } from './weights-core.js';

export type { LoadedWeights } from './weights-core.js';

/**
 * Load a runtime-format file (written by `weights-tools convert`) onto the device (Node: reads the file by ranges).
 * `dtype` converts on load (default: the file's dtype). The checks and upload are in weights-core.ts.
 */
export async function loadClipWeights(dev: GpuDevice, path: string, opts: { dtype?: FloatDType } = {}): Promise<LoadedWeights> {
  const file = await SafetensorsFile.open(path);
  try {
    return await uploadClipWeights(dev, file, path, {
      dtype: opts.dtype,
      fallbackId: async () => {
        const st = await stat(path);
        return `${path}:${st.size}:${st.mtimeMs}`;
      },
    });
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
