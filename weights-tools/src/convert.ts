/**
 * OpenCLIP checkpoint -> clearclip runtime file (one safetensors file, layout in @clearclip/vit/runtime-layout, format in README).
 * Streams tensor by tensor: at most one source tensor and its converted copy are in memory.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { writeSafetensors, type StDtype, type StTensorIn } from '@clearclip/tensor/safetensors';
import { RUNTIME_FORMAT, isDroppedKey, keepsF32, runtimeLayout, runtimeShape } from '@clearclip/vit/runtime-layout';
import { fromFloat32, isFloatDtype, toFloat32, transpose2d } from './cast.js';
import { loadConfig, locateConfig } from './config.js';
import { openCheckpoint } from './source.js';
import { sha256File } from './hash.js';

export type RuntimeDtype = 'f32' | 'f16';

export interface ConvertOptions {
  input: string;
  output: string;
  dtype?: RuntimeDtype;
  /** open_clip_config.json; default: the one beside `input`. */
  config?: string;
  /** Force model_cfg.quick_gelu (hub configs of OpenAI/MetaCLIP weights may omit it; see README). */
  quickGelu?: boolean;
  onTensor?: (name: string, index: number, total: number) => void;
  /** Non-fatal findings (e.g. values beyond f16's range); default: written to stderr. */
  onWarn?: (message: string) => void;
}

export interface ConvertResult {
  output: string;
  dtype: RuntimeDtype;
  tensors: number;
  parameters: number;
  transposed: string[];
  dropped: string[];
  /** Tensors holding NaN/Inf after conversion (the source's or new f16 overflows), with counts. */
  nonFinite: { name: string; count: number; overflowed: number }[];
  inputBytes: number;
  outputBytes: number;
  sourceSha256: string;
  seconds: number;
}

export async function convertCheckpoint(opts: ConvertOptions): Promise<ConvertResult> {
  const t0 = performance.now();
  const dtype = opts.dtype ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f16') throw new Error(`--dtype ${String(dtype)}: must be f32 or f16`);
  const input = path.resolve(opts.input);
  const output = path.resolve(opts.output);
  if (!existsSync(input)) throw new Error(`${opts.input}: input file not found`);
  if (input === output) throw new Error(`${opts.output}: output must differ from the input`);
  const config = await loadConfig(locateConfig(input, opts.config), { quickGelu: opts.quickGelu });
  const sourceSha256 = await sha256File(input);

  const src = await openCheckpoint(input);
  try {
    if (src.metadata.format === RUNTIME_FORMAT) throw new Error(`${path.basename(input)}: already a ${RUNTIME_FORMAT} file`);
    const target: StDtype = dtype === 'f16' ? 'F16' : 'F32';
    const dropped: string[] = [];
    const transposed: string[] = [];
    const plan: { name: string; dtype: StDtype; shape: number[]; srcDtype: StDtype; srcShape: number[] }[] = [];
    let parameters = 0;
    for (const t of src.tensors) {
      if (isDroppedKey(t.name)) {
        dropped.push(t.name);
        continue;
      }
      const float = isFloatDtype(t.dtype);
      const outDtype: StDtype = !float ? t.dtype : keepsF32(t.name) ? 'F32' : target;
      if (float && runtimeLayout(t.name, t.shape).transpose) transposed.push(t.name);
      plan.push({ name: t.name, dtype: outDtype, shape: float ? runtimeShape(t.name, t.shape) : t.shape.slice(), srcDtype: t.dtype, srcShape: t.shape });
      parameters += t.shape.reduce((a, b) => a * b, 1);
    }
    if (!plan.some((p) => p.name.startsWith('visual.'))) {
      throw new Error(`${path.basename(input)}: no 'visual.*' tensors; not an OpenCLIP CLIP state_dict (first keys: ${src.tensors.slice(0, 3).map((t) => t.name).join(', ')})`);
    }

    const metadata: Record<string, string> = {
      format: RUNTIME_FORMAT,
      dtype,
      open_clip_config: config.text,
      source: path.basename(input),
      source_sha256: sourceSha256,
    };
    const nonFinite: ConvertResult['nonFinite'] = [];
    const warn = opts.onWarn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
    async function* tensors(): AsyncIterable<StTensorIn> {
      for (let i = 0; i < plan.length; i++) {
        const p = plan[i];
        opts.onTensor?.(p.name, i, plan.length);
        const raw = await src.read(p.name);
        if (!isFloatDtype(p.srcDtype)) {
          yield { name: p.name, dtype: p.dtype, shape: p.shape, data: raw };
          continue;
        }
        let values = toFloat32(raw, p.srcDtype);
        if (runtimeLayout(p.name, p.srcShape).transpose) values = transpose2d(values, p.srcShape[0], p.srcShape[1]);
        const data = fromFloat32(values, p.dtype as 'F32' | 'F16');
        // Checked after conversion, in either dtype: what the file will hold, not what the source held.
        const bad = countNonFinite(values, data, p.dtype);
        if (bad.count > 0) {
          nonFinite.push({ name: p.name, ...bad });
          warn(
            bad.overflowed > 0
              ? `${path.basename(input)}: tensor ${p.name}: ${bad.overflowed} value(s) beyond f16's range (65504) became Inf in the f16 conversion; the runtime will refuse it (use --dtype f32)`
              : `${path.basename(input)}: tensor ${p.name} holds ${bad.count} non-finite value(s) (NaN/Inf); the runtime will refuse it`,
          );
        }
        yield { name: p.name, dtype: p.dtype, shape: p.shape, data };
      }
    }
    await writeSafetensors(output, tensors, metadata, plan.map(({ name, dtype: d, shape }) => ({ name, dtype: d, shape })));
    return {
      output,
      dtype,
      tensors: plan.length,
      parameters,
      transposed,
      dropped,
      nonFinite,
      inputBytes: (await stat(input)).size,
      outputBytes: (await stat(output)).size,
      sourceSha256,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await src.close();
  }
}

/** Non-finite values in the converted data, and how many of them were finite before (f16 overflow). */
function countNonFinite(values: Float32Array, data: Uint8Array, dtype: StDtype): { count: number; overflowed: number } {
  let count = 0;
  let overflowed = 0;
  if (dtype === 'F16') {
    for (let i = 0; i < values.length; i++) {
      if ((data[2 * i + 1] & 0x7c) === 0x7c) {
        count++;
        if (Number.isFinite(values[i])) overflowed++;
      }
    }
  } else {
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) count++;
  }
  return { count, overflowed };
}
