/**
 * The shape of the op case table (as ggml's test-backend-ops): each op declares once its cases (shapes and
 * parameters), how their inputs are drawn, the op call, the float64 reference and the tolerance rule. The kernel
 * tests run the `test` cases (awkward shapes) and the bench times the `bench` cases (ViT-B/16 shapes).
 */
import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';

/** 'test': awkward shapes that exercise edges and partial tiles; 'bench': the shapes ViT-B/16 runs. */
export type CasePurpose = 'test' | 'bench';

/** One host-side input, already rounded to what a tensor of `dtype` stores. */
export interface HostInput {
  name: string;
  data: Float32Array | Int32Array;
  shape: number[];
  dtype: DType;
}

/**
 * The allowed error per element: |got - want| <= atol + rtol * |want|. atol is one number, or one per element
 * where the bound depends on the element's own magnitudes (matmul's sum of |a||b|).
 */
export interface Tolerance {
  atol: number | Float64Array;
  rtol: number;
}

/** One case in one dtype, with its inputs drawn. */
export interface CaseData {
  inputs: HostInput[];
  outShape: number[];
  /** The output's dtype where it is not the case's dtype (cast). */
  outDType?: DType;
  /** The op call on the uploaded inputs, in `inputs` order. `variant` forces a kernel where the op has several. */
  run(inputs: Tensor[], o?: { variant?: string }): Tensor;
  /** float64 expected output and the tolerance around it (computed on demand: the reference runs on the CPU). */
  reference(): { expected: Float64Array } & Tolerance;
}

export interface OpCase<P = unknown> {
  /** The op's exported name: 'matmul', 'softmax', ... */
  op: string;
  /** What the case is, e.g. "4x785 scale 0.125" or "qkv 197x768 @ 768x2304". */
  label: string;
  purpose: CasePurpose;
  /** The op's parameters besides its tensors (the bench's peer spells the same op with them). */
  params: P;
  /** The dtypes the case runs in (f16 only where the adapter has shader-f16). */
  dtypes: readonly DType[];
  /** Part of the bench's --quick set. */
  quick?: boolean;
  /** Work per run, for the bench's rate column: floating-point operations or bytes moved. */
  flops?: number;
  bytes?: (dtype: DType) => number;
  /** Draw the inputs for `dtype`; `seed` defaults to the case's own. */
  setup(dtype: DType, seed?: number): CaseData;
}
