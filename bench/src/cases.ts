/**
 * The benchmark's table of cases. Each case uploads its inputs once, then records our op (for timing) and, where
 * the peer has the op, the same op in TensorFlow.js. Ops that are not in @clearclip/tensor yet are skipped by name
 * (see `available`), so rows appear as soon as the op lands.
 */
import * as tensor from '@clearclip/tensor';
import { reference, type FloatDType, type GpuDevice, type Tensor } from '@clearclip/tensor';
import type * as TF from '@tensorflow/tfjs-core';
import type { Tf } from './peer-tfjs.js';

/** Matmul cases run this variant when set (the bench's lane / heuristic / tuned columns); null: the op's choice. */
let benchMatmulVariant: string | null = null;
export function setBenchMatmulVariant(name: string | null): void {
  benchMatmulVariant = name;
}

export interface Prepared {
  /** The kernel variant the op launches now, where the op has several. */
  variant?: () => string;
  /** Record our op once; returns its output. */
  run(): Tensor;
  /** The same op in the peer, when it has one; `label` says how (e.g. "composed" when it takes several ops). */
  peer?: (tf: Tf) => { run(): TF.Tensor; dispose(): void; label?: string };
  /** float64 expected output and the error allowed against it (only small cases are verified). */
  reference?: () => { expected: Float64Array; tol: number };
  dispose(): void;
}

export interface BenchCase {
  kernel: 'matmul' | 'softmax' | 'layernorm';
  /** What the row is, e.g. "785x768 @ 768x3072". */
  shape: string;
  dtype: FloatDType;
  /** Floating-point operations (matmul) or bytes moved (memory-bound ops) per run. */
  flops?: number;
  bytes?: number;
  /** Part of the --quick set. */
  quick?: boolean;
  /** Matmul cases: the shape, for the tuner. */
  matmul?: tensor.MatmulTuneShape;
  prepare(dev: GpuDevice, seed: number): Prepared;
}

/** Deterministic uniform values in [lo, hi). */
export function randomData(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = lo + ((s >>> 0) / 4294967296) * (hi - lo);
  }
  return out;
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** True when @clearclip/tensor exports a function of that name (ops written by others land over time). */
export function available(op: string): boolean {
  return typeof (tensor as Record<string, unknown>)[op] === 'function';
}

/** The op's view of a bench matmul (dense operands, as tensor.matmul lays them out). */
export function matmulProblem(o: { batch?: number[]; M: number; K: number; N: number; transposeB?: boolean; dtype?: FloatDType }): tensor.MatmulProblem {
  const tb = !!o.transposeB;
  return { dtype: o.dtype ?? 'f32', batch: prod(o.batch ?? []), M: o.M, N: o.N, K: o.K, transposed: tb, vecA: o.K % 4 === 0, vecB: !tb && o.N % 4 === 0 };
}

/** a: [...batch, M, K] @ b: [K, N] (weights) or [...batch, K, N] / [...batch, N, K] (attention). */
export function matmulCase(o: { batch?: number[]; M: number; K: number; N: number; transposeB?: boolean; batchedB?: boolean; dtype?: FloatDType; quick?: boolean; name?: string }): BenchCase {
  const batch = o.batch ?? [];
  const dtype = o.dtype ?? 'f32';
  const nb = prod(batch);
  const bShape = [...(o.batchedB ? batch : []), ...(o.transposeB ? [o.N, o.K] : [o.K, o.N])];
  const bstr = batch.length ? `${batch.join('x')} x ` : '';
  return {
    kernel: 'matmul',
    matmul: { batch: nb, M: o.M, N: o.N, K: o.K, transposed: !!o.transposeB, batchedB: !!o.batchedB, dtype },
    shape: o.name ?? `${bstr}${o.M}x${o.K} @ ${o.transposeB ? '(' : ''}${bShape.slice(-2).join('x')}${o.transposeB ? ')^T' : ''}`,
    dtype,
    flops: 2 * nb * o.M * o.K * o.N,
    quick: o.quick,
    prepare(dev, seed) {
      const a = randomData(nb * o.M * o.K, seed);
      const b = randomData(prod(bShape), seed + 1);
      const ta = dev.keep(dev.tensor(a, [...batch, o.M, o.K], dtype));
      const tb = dev.keep(dev.tensor(b, bShape, dtype));
      return {
        run: () => tensor.matmul(ta, tb, { transposeB: o.transposeB, variant: benchMatmulVariant ?? undefined }),
        variant: () => benchMatmulVariant ?? tensor.selectMatmulVariant(dev, matmulProblem(o)).name,
        peer: (tf) => {
          const pa = tf.tensor(a, [...batch, o.M, o.K]);
          const pb = tf.tensor(b, bShape);
          // tfjs batch-matmul wants b's batch dims spelled out; a shared weight is [K, N] and broadcasts.
          return {
            run: () => tf.matMul(pa, pb, false, !!o.transposeB),
            dispose: () => {
              pa.dispose();
              pb.dispose();
            },
          };
        },
        reference: () => {
          const r = (x: Float32Array) => (dtype === 'f16' ? tensor.roundToF16(x) : x);
          const opts = { transposeB: o.transposeB, batchedB: o.batchedB };
          const expected = reference.matmulRef(r(a), r(b), nb, o.M, o.K, o.N, opts);
          // Inputs in [-1, 1): |a||b| sums to at most K; f32 accumulation error stays below K * 2^-24 * K.
          const tol = (o.K + 8) * 2 ** -24 * o.K + (dtype === 'f16' ? 2 ** -11 * o.K : 0);
          return { expected, tol };
        },
        dispose: () => {
          ta.dispose();
          tb.dispose();
        },
      };
    },
  };
}

export function softmaxCase(shape: number[], o: { quick?: boolean; scale?: number } = {}): BenchCase {
  const n = prod(shape);
  const cols = shape[shape.length - 1];
  const scale = o.scale ?? 1;
  return {
    kernel: 'softmax',
    shape: shape.join('x'),
    dtype: 'f32',
    bytes: 2 * 4 * n,
    quick: o.quick,
    prepare(dev, seed) {
      const x = randomData(n, seed, -4, 4);
      const tx = dev.keep(dev.tensor(x, shape));
      const softmax = (tensor as unknown as { softmax(x: Tensor, o: { scale?: number }): Tensor }).softmax;
      return {
        run: () => softmax(tx, { scale }),
        peer: (tf) => {
          const px = tf.tensor(x, shape);
          return { run: () => tf.softmax(scale === 1 ? px : tf.mul(px, scale)), dispose: () => px.dispose() };
        },
        reference: () => ({ expected: reference.softmaxRef(x, cols, scale), tol: 1e-6 }),
        dispose: () => tx.dispose(),
      };
    },
  };
}

export function layerNormCase(shape: number[], o: { quick?: boolean; eps?: number } = {}): BenchCase {
  const n = prod(shape);
  const cols = shape[shape.length - 1];
  const eps = o.eps ?? 1e-5;
  return {
    kernel: 'layernorm',
    shape: shape.join('x'),
    dtype: 'f32',
    bytes: 2 * 4 * n + 2 * 4 * cols,
    quick: o.quick,
    prepare(dev, seed) {
      const x = randomData(n, seed, -3, 5);
      const g = randomData(cols, seed + 1, 0.5, 1.5);
      const b = randomData(cols, seed + 2, -0.5, 0.5);
      const tx = dev.keep(dev.tensor(x, shape));
      const tg = dev.keep(dev.tensor(g, [cols]));
      const tb = dev.keep(dev.tensor(b, [cols]));
      const layerNorm = (tensor as unknown as { layerNorm(x: Tensor, g: Tensor, b: Tensor, eps: number): Tensor }).layerNorm;
      return {
        run: () => layerNorm(tx, tg, tb, eps),
        // tfjs has no layer-norm kernel: moments, then normalise, scale and shift (several dispatches).
        peer: (tf) => {
          const px = tf.tensor(x, shape);
          const pg = tf.tensor(g, [cols]);
          const pb = tf.tensor(b, [cols]);
          return {
            label: 'composed',
            run: () =>
              tf.tidy(() => {
                const { mean, variance } = tf.moments(px, -1, true);
                return tf.add(tf.mul(tf.mul(tf.sub(px, mean), tf.rsqrt(tf.add(variance, eps))), pg), pb);
              }),
            dispose: () => [px, pg, pb].forEach((t) => t.dispose()),
          };
        },
        reference: () => ({ expected: reference.layerNormRef(x, g, b, eps), tol: 1e-5 }),
        dispose: () => [tx, tg, tb].forEach((t) => t.dispose()),
      };
    },
  };
}

const D = 768;
const HEADS = 12;
const DH = 64;

/** ViT-B/16 at 224 px (197 tokens) and 448 px (785 tokens): the projections, the MLP, attention, softmax, LN. */
export function vitB16Cases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const L of [197, 785]) {
    const quick = L === 197;
    cases.push(matmulCase({ M: L, K: D, N: 3 * D, name: `qkv ${L}x${D} @ ${D}x${3 * D}` }));
    cases.push(matmulCase({ M: L, K: D, N: D, quick, name: `proj ${L}x${D} @ ${D}x${D}` }));
    cases.push(matmulCase({ M: L, K: D, N: 4 * D, name: `fc1 ${L}x${D} @ ${D}x${4 * D}` }));
    cases.push(matmulCase({ M: L, K: 4 * D, N: D, name: `fc2 ${L}x${4 * D} @ ${4 * D}x${D}` }));
  }
  for (const L of [197, 785]) {
    const quick = L === 197;
    cases.push(matmulCase({ batch: [HEADS], M: L, K: DH, N: L, transposeB: true, batchedB: true, quick, name: `QK^T ${HEADS}x${L}x${DH} @ (${HEADS}x${L}x${DH})^T` }));
    cases.push(matmulCase({ batch: [HEADS], M: L, K: L, N: DH, batchedB: true, name: `PV ${HEADS}x${L}x${L} @ ${HEADS}x${L}x${DH}` }));
  }
  // f16 storage (f32 accumulation): the quick set has the 197-token projection and scores, so that a quick run on
  // an adapter with shader-f16 (lavapipe) times the f16 tiled and subgroup paths too.
  cases.push(matmulCase({ M: 197, K: D, N: D, dtype: 'f16', quick: true, name: `proj 197x${D} @ ${D}x${D}` }));
  cases.push(matmulCase({ batch: [HEADS], M: 197, K: DH, N: 197, transposeB: true, batchedB: true, dtype: 'f16', quick: true, name: `QK^T ${HEADS}x197x${DH} @ (${HEADS}x197x${DH})^T` }));
  cases.push(matmulCase({ M: 785, K: D, N: 4 * D, dtype: 'f16', name: `fc1 785x${D} @ ${D}x${4 * D}` }));
  cases.push(matmulCase({ batch: [HEADS], M: 785, K: DH, N: 785, transposeB: true, batchedB: true, dtype: 'f16', name: `QK^T ${HEADS}x785x${DH} @ (${HEADS}x785x${DH})^T` }));
  if (available('softmax')) {
    cases.push(softmaxCase([HEADS, 197, 197], { quick: true, scale: 0.125 }));
    cases.push(softmaxCase([HEADS, 785, 785], { scale: 0.125 }));
  }
  if (available('layerNorm')) {
    cases.push(layerNormCase([197, D], { quick: true }));
    cases.push(layerNormCase([785, D]));
  }
  return cases;
}
