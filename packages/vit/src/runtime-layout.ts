/**
 * The runtime layout rule: the one place that decides how an OpenCLIP tensor is stored in a clearclip-runtime-v1
 * file. Both sides import it: weights-tools writes files by it (convert.ts), and this package derives the tensors it
 * expects from it (checkpoint.ts expectedTensors) and checks the file's "format" metadata against RUNTIME_FORMAT.
 */

/** Linear weights that the runtime multiplies as `x @ W`, so they are stored [in, out] instead of PyTorch's [out, in]. */
export const TRANSPOSED_SUFFIXES = ['attn.in_proj_weight', 'attn.out_proj.weight', 'mlp.c_fc.weight', 'mlp.c_proj.weight'] as const;

/** Tensors stored in f32 whatever the target dtype: a scalar whose exp() must not lose precision. */
export const KEEP_F32_KEYS = ['logit_scale'] as const;

export const RUNTIME_FORMAT = 'clearclip-runtime-v1';

export interface RuntimeLayout {
  /** Store the 2-D weight transposed ([out, in] -> [in, out]). */
  transpose: boolean;
}

/** How `key` (an OpenCLIP state_dict name, without any "module." prefix) with PyTorch shape `shape` is laid out at run time. */
export function runtimeLayout(key: string, shape: readonly number[]): RuntimeLayout {
  const transpose = shape.length === 2 && TRANSPOSED_SUFFIXES.some((s) => key === s || key.endsWith('.' + s));
  return { transpose };
}

/** Buffers that the runtime derives itself (causal masks), so they are not written. */
export function isDroppedKey(key: string): boolean {
  return key === 'attn_mask' || key.endsWith('.attn_mask');
}

/** Whether a float tensor keeps f32 storage when the target dtype is f16. */
export function keepsF32(key: string): boolean {
  return (KEEP_F32_KEYS as readonly string[]).includes(key);
}

/** The stored shape for a PyTorch shape under `runtimeLayout`. */
export function runtimeShape(key: string, shape: readonly number[]): number[] {
  return runtimeLayout(key, shape).transpose ? [shape[1], shape[0]] : [...shape];
}
