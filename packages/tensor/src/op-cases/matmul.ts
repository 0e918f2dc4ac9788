import { matmul, type Activation } from '../ops/matmul.js';
import { matmulAbsRef, matmulRef } from '../reference/matmul.js';
import type { DType, FloatDType } from '../dtype.js';
import { FLOAT_DTYPES, hostInput } from './data.js';
import type { CasePurpose, OpCase, Tolerance } from './types.js';

export interface MatmulParams {
  batch: number[];
  M: number;
  K: number;
  N: number;
  transposeB: boolean;
  batchedB: boolean;
  bias: boolean;
  activation?: Activation;
  residual: boolean;
  alpha?: number;
}

export type MatmulShape = Partial<MatmulParams> & { M: number; K: number; N: number };

/**
 * Tolerance per element. A float sum of K products carries at most about K * u * sum_k |a_k||b_k| of rounding
 * error (u = 2^-24, the kernels accumulate in f32 for both dtypes); the epilogue (alpha, bias, activation with an
 * erf good to 1e-7, residual) adds a few more roundings of the values it touches, covered by the +8 and the |ref|
 * term. f16 inputs are rounded to f16 before the reference sees them, so they add nothing; the f16 output is
 * rounded once more: half an ulp, 2^-11 relative (with 1 % for the f32 error being rounded too), or half the
 * subnormal spacing, 2^-25 absolute.
 */
export function matmulTolerance(dtype: DType, K: number, want: Float64Array, sumAbs: Float64Array, epilogueAbs: Float64Array | null): Tolerance {
  const u = 2 ** -24;
  const f16 = dtype === 'f16';
  const atol = Float64Array.from(want, (w, i) => (K + 8) * u * (sumAbs[i] + (epilogueAbs ? epilogueAbs[i] : 0) + Math.abs(w)) + (f16 ? 2 ** -25 : 0) + 1e-30);
  return { atol, rtol: f16 ? 1.01 * 2 ** -11 : 0 };
}

/** "2 x 5x7 @ (9x7)^T +bias gelu": batch, a's matrix, b's matrix as stored, then the epilogue. */
function matmulLabel(p: MatmulParams): string {
  const bstr = p.batch.length ? `${p.batch.join('x')} x ` : '';
  const b = p.transposeB ? `(${p.N}x${p.K})^T` : `${p.K}x${p.N}`;
  const epi = `${p.bias ? ' +bias' : ''}${p.activation ? ' ' + p.activation : ''}${p.residual ? ' +res' : ''}${p.alpha !== undefined ? ' alpha ' + p.alpha : ''}`;
  return `${bstr}${p.M}x${p.K} @ ${b}${epi}`;
}

/** a: [...batch, M, K] @ b: [K, N] (a weight shared by the batch) or [...batch, K, N] / [...batch, N, K] (attention). */
export function matmulCase(s: MatmulShape, o: { seed?: number; purpose?: CasePurpose; name?: string; quick?: boolean; dtypes?: readonly FloatDType[] } = {}): OpCase<MatmulParams> {
  const p: MatmulParams = { batch: [], transposeB: false, batchedB: false, bias: false, residual: false, ...s };
  const nb = p.batch.reduce((x, y) => x * y, 1);
  const { M, K, N } = p;
  const bShape = [...(p.batchedB ? p.batch : []), ...(p.transposeB ? [N, K] : [K, N])];
  return {
    op: 'matmul',
    label: o.name ?? matmulLabel(p),
    purpose: o.purpose ?? 'test',
    params: p,
    dtypes: o.dtypes ?? FLOAT_DTYPES,
    quick: o.quick,
    flops: 2 * nb * M * K * N,
    setup(dtype, seed = o.seed ?? 0) {
      const a = hostInput('a', [...p.batch, M, K], dtype, seed);
      const b = hostInput('b', bShape, dtype, seed + 1);
      const bias = p.bias ? hostInput('bias', [N], dtype, seed + 2) : null;
      const res = p.residual ? hostInput('residual', [...p.batch, M, N], dtype, seed + 3) : null;
      const refOpts = { transposeB: p.transposeB, batchedB: p.batchedB, bias: bias?.data, residual: res?.data, activation: p.activation, alpha: p.alpha };
      return {
        inputs: [a, b, ...(bias ? [bias] : []), ...(res ? [res] : [])],
        outShape: [...p.batch, M, N],
        run: ([ta, tb, ...rest], run) =>
          matmul(ta, tb, {
            transposeB: p.transposeB,
            bias: bias ? rest[0] : undefined,
            residual: res ? rest[bias ? 1 : 0] : undefined,
            activation: p.activation,
            alpha: p.alpha,
            variant: run?.variant,
          }),
        reference() {
          const expected = matmulRef(a.data, b.data, nb, M, K, N, refOpts);
          const sumAbs = matmulAbsRef(a.data, b.data, nb, M, K, N, refOpts);
          const epilogueAbs =
            bias || res ? Float64Array.from(expected, (_, i) => (bias ? Math.abs(bias.data[i % N]) : 0) + (res ? Math.abs(res.data[i]) : 0)) : null;
          return { expected, ...matmulTolerance(dtype, K, expected, sumAbs, epilogueAbs) };
        },
      };
    },
  };
}

const testShapes: MatmulShape[] = [
  { M: 1, K: 1, N: 1 },
  { M: 1, K: 300, N: 77 }, // one row: the short tile
  { M: 1, K: 64, N: 128, transposeB: true },
  { M: 67, K: 33, N: 129 }, // nothing a multiple of the tile; scalar B path
  { M: 67, K: 33, N: 132 }, // N % 4 == 0: vec4 B path with a partial column tile
  { M: 67, K: 33, N: 129, transposeB: true },
  { M: 13, K: 3072, N: 20 }, // long K
  { M: 5, K: 3072, N: 9, transposeB: true },
  { batch: [2, 3], M: 7, K: 19, N: 24 }, // b shared across the batch
  { batch: [4], M: 25, K: 16, N: 25, transposeB: true, batchedB: true },
  { batch: [48], M: 37, K: 16, N: 37, transposeB: true, batchedB: true }, // attention scores, 48 heads
  { batch: [48], M: 37, K: 37, N: 16, batchedB: true }, // attention PV
  // Epilogues, each on both B paths.
  { M: 29, K: 45, N: 31, bias: true },
  { M: 29, K: 45, N: 32, bias: true, activation: 'gelu' },
  { M: 29, K: 45, N: 31, bias: true, activation: 'quickgelu', transposeB: true },
  { batch: [2], M: 29, K: 45, N: 32, residual: true },
  { M: 29, K: 45, N: 31, activation: 'gelu', residual: true, alpha: 0.125 },
  { M: 29, K: 45, N: 32, bias: true, activation: 'quickgelu', residual: true, alpha: -2.5 },
];

const D = 768;
const HEADS = 12;
const DH = 64;

/** ViT-B/16 at 224 px (197 tokens) and 448 px (785 tokens): the projections, the MLP, attention scores and PV. */
function vitB16Shapes(): OpCase<MatmulParams>[] {
  const bench = (s: MatmulShape, name: string, o: { quick?: boolean; f16?: boolean } = {}) =>
    matmulCase(s, { purpose: 'bench', name, quick: o.quick, seed: 1234, dtypes: o.f16 ? ['f32', 'f16'] : ['f32'] });
  const cases: OpCase<MatmulParams>[] = [];
  for (const L of [197, 785]) {
    const quick = L === 197;
    cases.push(bench({ M: L, K: D, N: 3 * D }, `qkv ${L}x${D} @ ${D}x${3 * D}`));
    // f16 storage (f32 accumulation) where the quick set has it (proj and scores at 197 tokens) and beside the
    // two largest 785-token products, so that an adapter with shader-f16 times the f16 tiled and subgroup paths.
    cases.push(bench({ M: L, K: D, N: D }, `proj ${L}x${D} @ ${D}x${D}`, { quick, f16: L === 197 }));
    cases.push(bench({ M: L, K: D, N: 4 * D }, `fc1 ${L}x${D} @ ${D}x${4 * D}`, { f16: L === 785 }));
    cases.push(bench({ M: L, K: 4 * D, N: D }, `fc2 ${L}x${4 * D} @ ${4 * D}x${D}`));
  }
  for (const L of [197, 785]) {
    const quick = L === 197;
    const qk = { batch: [HEADS], M: L, K: DH, N: L, transposeB: true, batchedB: true };
    cases.push(bench(qk, `QK^T ${HEADS}x${L}x${DH} @ (${HEADS}x${L}x${DH})^T`, { quick, f16: true }));
    cases.push(bench({ batch: [HEADS], M: L, K: L, N: DH, batchedB: true }, `PV ${HEADS}x${L}x${L} @ ${HEADS}x${L}x${DH}`));
  }
  return cases;
}

export const matmulCases: OpCase<MatmulParams>[] = [...testShapes.map((s, i) => matmulCase(s, { seed: 100 * i })), ...vitB16Shapes()];
