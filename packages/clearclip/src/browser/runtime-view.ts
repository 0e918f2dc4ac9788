import type { StDtype } from '@clearclip/tensor/safetensors-core';
import { SafetensorsBytes } from '@clearclip/tensor/safetensors-core';
import type { TensorSource } from '@clearclip/vit/core';
import { RUNTIME_FORMAT, fromFloat32, isDroppedKey, isFloatDtype, keepsF32, runtimeLayout, runtimeShape, toFloat32, transpose2d } from '@clearclip/weights-tools/browser';

/**
 * An OpenCLIP safetensors checkpoint (bytes in memory) seen in the clearclip runtime layout, converted tensor by
 * tensor as it is read: the page's counterpart of `weights-tools convert`, under the same rule (@clearclip/vit/runtime-layout), with
 * no runtime file written. At most one converted tensor exists besides the download.
 */
export function runtimeView(bytes: Uint8Array, configText: string, dtype: 'f32' | 'f16', label: string): TensorSource {
  const src = SafetensorsBytes.parse(bytes, label);
  // DistributedDataParallel checkpoints prefix every key with "module.".
  const all = src.names();
  const strip = all.length > 0 && all.every((n) => n.startsWith('module.')) ? (n: string) => n.slice(7) : (n: string) => n;
  const plan = new Map<string, { srcName: string; srcDtype: StDtype; srcShape: number[]; dtype: StDtype; shape: number[] }>();
  for (const srcName of all) {
    const name = strip(srcName);
    if (isDroppedKey(name)) continue;
    const e = src.entry(srcName);
    const float = isFloatDtype(e.dtype);
    const out: StDtype = !float ? e.dtype : keepsF32(name) ? 'F32' : dtype === 'f16' ? 'F16' : 'F32';
    plan.set(name, { srcName, srcDtype: e.dtype, srcShape: e.shape, dtype: out, shape: float ? runtimeShape(name, e.shape) : e.shape.slice() });
  }
  const step = (name: string) => {
    const p = plan.get(name);
    if (!p) throw new Error(`${label}: no tensor '${name}'`);
    return p;
  };
  const converted = async (name: string): Promise<Float32Array> => {
    const p = step(name);
    let v = toFloat32(await src.readRaw(p.srcName), p.srcDtype);
    if (runtimeLayout(name, p.srcShape).transpose) v = transpose2d(v, p.srcShape[0], p.srcShape[1]);
    // Narrow exactly as the file converter does, so f16 values match a converted file bit for bit.
    return p.dtype === 'F16' ? toFloat32(fromFloat32(v, 'F16'), 'F16') : v;
  };
  return {
    metadata: { format: RUNTIME_FORMAT, dtype, open_clip_config: configText, source: label },
    names: () => [...plan.keys()],
    entry: (name) => step(name),
    readFloat32: converted,
    readRaw: async (name) => {
      const p = step(name);
      if (!isFloatDtype(p.srcDtype)) return src.readRaw(p.srcName);
      return fromFloat32(await converted(name), p.dtype as 'F32' | 'F16');
    },
  };
}
