/**
 * The benchmark's rows: the `bench` cases (ViT-B/16 shapes) of the op case table (@clearclip/tensor/op-cases),
 * one row per case and dtype. Each row uploads its inputs once, then records our op (for timing) and, where the
 * peer has the op (peer-ops.ts), the same op in TensorFlow.js; --verify checks it against the table's reference.
 */
import { selectMatmulVariant, type FloatDType, type GpuDevice, type MatmulProblem, type MatmulTuneShape, type Tensor } from '@clearclip/tensor';
import * as table from '@clearclip/tensor/op-cases';
import type { MatmulParams, OpCase, Tolerance } from '@clearclip/tensor/op-cases';
import { peerOps, type PeerRun } from './peer-ops.js';
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
  /** The same op in the peer, when it has one. */
  peer?: (tf: Tf) => PeerRun;
  /** float64 expected output and the error allowed against it (only small cases are verified). */
  reference?: () => { expected: Float64Array } & Tolerance;
  dispose(): void;
}

export interface BenchCase {
  /** The op, lower case as the report prints it: 'matmul', 'softmax', 'layernorm', ... */
  kernel: string;
  /** What the row is, e.g. "qkv 785x768 @ 768x2304". */
  shape: string;
  dtype: FloatDType;
  /** Floating-point operations (matmul) or bytes moved (memory-bound ops) per run. */
  flops?: number;
  bytes?: number;
  /** Part of the --quick set. */
  quick?: boolean;
  /** Matmul cases: the shape, for the tuner. */
  matmul?: MatmulTuneShape;
  prepare(dev: GpuDevice, seed: number): Prepared;
}

/** The op's view of a bench matmul (dense operands, as tensor.matmul lays them out). */
export function matmulProblem(p: MatmulParams, dtype: FloatDType): MatmulProblem {
  const batch = p.batch.reduce((a, b) => a * b, 1);
  return { dtype, batch, M: p.M, N: p.N, K: p.K, transposed: p.transposeB, vecA: p.K % 4 === 0, vecB: !p.transposeB && p.N % 4 === 0 };
}

/** One row: a case of the table in one dtype. */
export function benchCase(c: OpCase, dtype: FloatDType): BenchCase {
  const mm = c.op === 'matmul' ? (c.params as MatmulParams) : null;
  return {
    kernel: c.op.toLowerCase(),
    shape: c.label,
    dtype,
    flops: c.flops,
    bytes: c.bytes?.(dtype),
    quick: c.quick,
    matmul: mm ? { batch: mm.batch.reduce((a, b) => a * b, 1), M: mm.M, N: mm.N, K: mm.K, transposed: mm.transposeB, batchedB: mm.batchedB, dtype } : undefined,
    prepare(dev, seed) {
      const d = c.setup(dtype, seed);
      const inputs = d.inputs.map((x) => dev.keep(dev.tensor(x.data, x.shape, x.dtype)));
      const peer = peerOps[c.op];
      return {
        run: () => d.run(inputs, { variant: benchMatmulVariant ?? undefined }),
        variant: mm ? () => benchMatmulVariant ?? selectMatmulVariant(dev, matmulProblem(mm, dtype)).name : undefined,
        peer: peer && ((tf) => peer(tf, d, c as OpCase<never>)),
        reference: () => d.reference(),
        dispose: () => inputs.forEach((x) => x.dispose()),
      };
    },
  };
}

/** Every bench case of the table, in each of its float dtypes. */
export function vitB16Cases(): BenchCase[] {
  return table.opCaseTable
    .filter((c) => c.purpose === 'bench')
    .flatMap((c) => c.dtypes.filter((d): d is FloatDType => d === 'f32' || d === 'f16').map((d) => benchCase(c, d)));
}

/* Single rows at other shapes (the bench's smoke test runs tiny ones), with the bench cases' value ranges. */

export function matmulCase(o: { batch?: number[]; M: number; K: number; N: number; transposeB?: boolean; batchedB?: boolean; dtype?: FloatDType; quick?: boolean; name?: string }): BenchCase {
  const dtype = o.dtype ?? 'f32';
  const { dtype: _, quick, name, ...shape } = o;
  return benchCase(table.matmulCase(shape, { purpose: 'bench', name, quick, seed: 1234, dtypes: [dtype] }), dtype);
}

export function softmaxCase(shape: number[], o: { quick?: boolean; scale?: number } = {}): BenchCase {
  return benchCase(table.softmaxCase(shape, { ...o, lo: -4, hi: 4, seed: 1234, purpose: 'bench', dtypes: ['f32'] }), 'f32');
}

export function layerNormCase(shape: number[], o: { quick?: boolean; eps?: number } = {}): BenchCase {
  return benchCase(table.layerNormCase(shape, { ...o, lo: -3, hi: 5, seed: 1234, purpose: 'bench', dtypes: ['f32'] }), 'f32');
}
