// What every matmul variant shares with the others: its bindings, and how a launch's element type and vec4 loads
// specialise the kernel's aliases (the kernels declare the same `alias T / AV / BV`, `const VEC_A / VEC_B`).
import type { FloatDType } from '../dtype.js';

/** Bindings of every matmul kernel: uniforms, then a, b, bias, res, the layer-norm weight and bias of A's rows, out. */
export function matmulBindings(): { uniforms: true; inputs: string[]; outputs: string[] } {
  return { uniforms: true, inputs: ['a', 'b', 'bias', 'res', 'lnw', 'lnb'], outputs: ['out'] };
}

/** The element-type defines of a launch whose A and B may be read as vec4<T>. */
export function storageDefines(prob: { dtype: FloatDType; vecA: boolean; vecB: boolean }): Record<string, string | boolean> {
  const vec = (on: boolean) => (on ? `vec4<${prob.dtype}>` : prob.dtype);
  return { T: prob.dtype, AV: vec(prob.vecA), BV: vec(prob.vecB), VEC_A: prob.vecA, VEC_B: prob.vecB };
}
