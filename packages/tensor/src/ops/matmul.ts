import type { Tensor } from '../tensor.js';
import { isFloat } from '../dtype.js';
import { shapeStr } from '../shape.js';
import { grid1d, params, ceilDiv } from './grid.js';
import type { MatmulProblem } from './matmul-variants.js';
import { selectMatmulVariant } from '../tune/select.js';

export type Activation = 'none' | 'gelu' | 'quickgelu';

export interface MatmulOptions {
  /** b is [N, K] (or [...batch, N, K]) and used transposed. */
  transposeB?: boolean;
  /** [N], added after alpha scaling and before the activation. */
  bias?: Tensor;
  activation?: Activation;
  /** Same shape as the output, added after the activation. */
  residual?: Tensor;
  /** Scales a @ b (default 1). */
  alpha?: number;
  /** Run this kernel variant instead of the tuned or heuristic choice (benches, tests). */
  variant?: string;
  /** Layer-normalise a's rows (over K) inside the kernel first: matmul(layerNorm(a, w, b, eps), b) in one launch. */
  layerNorm?: RowLayerNorm;
}

/** The layer norm a matmul can apply to A's rows on the way in: weight and bias [K], and epsilon. */
export interface RowLayerNorm {
  weight: Tensor;
  bias: Tensor;
  eps: number;
}

/** One operand view: element (b, row, col) sits at offset + b*batchStride + row*rowStride + col. */
export interface MatmulView {
  tensor: Tensor;
  offset: number;
  /** Distance between batch items (between items when StridedMatmul.heads splits the batch). */
  batchStride: number;
  rowStride: number;
  /** With StridedMatmul.heads > 1: distance between the heads of one item (default 0). */
  headStride?: number;
}

export interface StridedMatmul {
  batch: number;
  /**
   * Split the batch into items x heads (batch a multiple of heads; default 1): entry b is head b % heads of item
   * floor(b / heads), at offset + item * batchStride + head * headStride in each view. Attention over several items
   * reads q, k, v and writes its context in place inside [items, L, 3W] and [items, L, W], no head permutes.
   */
  heads?: number;
  M: number;
  N: number;
  K: number;
  /** A[b][m][k] = a[offset + b*batchStride + m*rowStride + k] */
  a: MatmulView;
  /** B[b][k][n] = b[offset + b*batchStride + k*rowStride + n]; transposed: b[offset + b*batchStride + n*rowStride + k] */
  b: MatmulView & { transposed: boolean };
  /** Where to write out[b][m][n]; default a new dense [batch, M, N] tensor. */
  out?: MatmulView;
  bias?: Tensor;
  activation?: Activation;
  /** Read with the output's layout (offset and strides) and added after the activation. */
  residual?: Tensor;
  alpha?: number;
  /** Run this kernel variant (see matmul-variants.ts) instead of the tuned or heuristic choice (tests, the tuner). */
  variant?: string;
  /** Layer-normalise each row of A over K before the product (see MatmulOptions.layerNorm). */
  layerNorm?: RowLayerNorm;
}

const ACT = { none: 0, gelu: 1, quickgelu: 2 } as const;


function checkView(what: string, v: MatmulView, batch: number, heads: number, rows: number, cols: number): void {
  for (const k of ['offset', 'batchStride', 'rowStride', 'headStride'] as const) {
    const x = v[k] ?? 0;
    if (!Number.isInteger(x) || x < 0) throw new Error(`matmulStrided: ${what}.${k} must be a non-negative integer, got ${x}`);
  }
  if (batch === 0 || rows === 0 || cols === 0) return;
  const hs = v.headStride ?? 0;
  const last = v.offset + (batch / heads - 1) * v.batchStride + (heads - 1) * hs + (rows - 1) * v.rowStride + (cols - 1);
  if (last >= v.tensor.size) {
    const split = heads > 1 ? ` (${batch / heads} items x ${heads} heads, headStride ${hs})` : '';
    throw new Error(
      `matmulStrided: ${what} view (offset ${v.offset}, batchStride ${v.batchStride}, rowStride ${v.rowStride}) over ` +
        `${batch}x${rows}x${cols}${split} reaches element ${last}, beyond ${v.tensor} (${v.tensor.size} elements)`,
    );
  }
}

/** Low-level batched matmul over explicit element strides and offsets (attention heads without copies). */
export function matmulStrided(spec: StridedMatmul): Tensor {
  const { batch, M, N, K } = spec;
  for (const [k, v] of Object.entries({ batch, M, N, K })) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`matmulStrided: ${k} must be a non-negative integer, got ${v}`);
  }
  const heads = spec.heads ?? 1;
  if (!Number.isInteger(heads) || heads < 1 || batch % heads !== 0) {
    throw new Error(`matmulStrided: heads must be a positive integer dividing batch ${batch}, got ${heads}`);
  }
  const a = spec.a.tensor;
  const b = spec.b.tensor;
  const dev = a.device;
  if (!isFloat(a.dtype)) throw new Error(`matmulStrided: a must be f32 or f16, got ${a}`);
  if (b.dtype !== a.dtype) throw new Error(`matmulStrided: dtypes differ: a is ${a}, b is ${b}`);
  checkView('a', spec.a, batch, heads, M, K);
  if (spec.b.transposed) checkView('b (transposed)', spec.b, batch, heads, N, K);
  else checkView('b', spec.b, batch, heads, K, N);
  // The default output is dense [batch, M, N] whatever the items x heads split.
  const outView: MatmulView = spec.out ?? { tensor: dev.empty([batch, M, N], a.dtype, 'matmul'), offset: 0, batchStride: heads * M * N, headStride: M * N, rowStride: N };
  if (spec.out) {
    if (outView.tensor.dtype !== a.dtype) throw new Error(`matmulStrided: out ${outView.tensor} must have a's dtype ${a.dtype}`);
    checkView('out', outView, batch, heads, M, N);
  }
  if (spec.bias) {
    const bias = spec.bias;
    if (bias.dtype !== a.dtype) throw new Error(`matmulStrided: bias ${bias} must have a's dtype ${a.dtype}`);
    if (bias.rank !== 1 || bias.shape[0] !== N) throw new Error(`matmulStrided: bias must be [${N}] (N), got ${shapeStr(bias.shape)}`);
  }
  if (spec.residual) {
    const r = spec.residual;
    if (r.dtype !== a.dtype) throw new Error(`matmulStrided: residual ${r} must have a's dtype ${a.dtype}`);
    if (r.size !== outView.tensor.size) {
      throw new Error(`matmulStrided: residual ${shapeStr(r.shape)} must match the output tensor ${shapeStr(outView.tensor.shape)} (it is read with the output's layout)`);
    }
  }
  const ln = spec.layerNorm;
  if (ln) {
    for (const [what, x] of [['weight', ln.weight], ['bias', ln.bias]] as const) {
      if (x.dtype !== a.dtype) throw new Error(`matmulStrided: layerNorm.${what} ${x} must have a's dtype ${a.dtype}`);
      if (x.rank !== 1 || x.shape[0] !== K) throw new Error(`matmulStrided: layerNorm.${what} must be [${K}] (K), got ${shapeStr(x.shape)}`);
    }
    if (!(Number.isFinite(ln.eps) && ln.eps > 0)) throw new Error(`matmulStrided: layerNorm.eps must be a positive number, got ${ln.eps}`);
  }
  const act = spec.activation ?? 'none';
  if (!(act in ACT)) throw new Error(`matmulStrided: unknown activation "${act}"`);
  const alpha = spec.alpha ?? 1;

  const tb = spec.b.transposed;
  const [bKS, bNS] = tb ? [1, spec.b.rowStride] : [spec.b.rowStride, 1];
  // vec4 loads are exact when rows are contiguous and every vec4 is 4-element aligned.
  const aligned = (v: MatmulView) => [v.offset, v.batchStride, v.rowStride, v.headStride ?? 0].every((x) => x % 4 === 0);
  const vecB = !tb && N % 4 === 0 && aligned(spec.b);
  const vecA = K % 4 === 0 && aligned(spec.a);
  const prob: MatmulProblem = { dtype: a.dtype as MatmulProblem['dtype'], batch, M, N, K, transposed: tb, vecA, vecB, lnA: !!ln };
  const variant = selectMatmulVariant(dev, prob, spec.variant);
  const plan = variant.plan(prob);
  const tilesM = ceilDiv(M, plan.BM);
  const tilesMN = tilesM * ceilDiv(N, plan.BN);
  const total = tilesMN * batch;
  // K = 0 needs no special case: the K loop is empty and the epilogue sees zeros.
  if (total === 0) return outView.tensor;
  plan.descriptor.dispatch(dev, {
    defines: {
      ...plan.defines,
      ACT: `${ACT[act]}u`,
      HAS_BIAS: !!spec.bias,
      HAS_RES: !!spec.residual,
      LN_A: !!ln,
    },
    uniforms: params([
      { u: M }, { u: N }, { u: K }, { u: tilesM },
      { u: tilesMN }, { u: total }, { f: alpha }, { u: 0 },
      { u: spec.a.offset }, { u: spec.a.batchStride }, { u: spec.a.rowStride }, { f: ln?.eps ?? 0 },
      { u: spec.b.offset }, { u: spec.b.batchStride }, { u: bKS }, { u: bNS },
      { u: outView.offset }, { u: outView.batchStride }, { u: outView.rowStride }, { u: heads },
      { u: spec.a.headStride ?? 0 }, { u: spec.b.headStride ?? 0 }, { u: outView.headStride ?? 0 }, { u: 0 },
    ]),
    // Absent bias / residual / layer norm bind a as a placeholder the kernel never reads (HAS_BIAS, HAS_RES, LN_A false).
    inputs: [a, b, spec.bias ?? a, spec.residual ?? a, ln?.weight ?? a, ln?.bias ?? a],
    outputs: [outView.tensor],
    workgroups: grid1d(total, dev.limits.maxComputeWorkgroupsPerDimension),
    label: `matmul ${batch}x${M}x${K}x${N}${tb ? 'T' : ''}${ln ? ' ln' : ''} ${variant.name}`,
  });
  return outView.tensor;
}

/**
 * out[..., M, N] = act(alpha * (a @ b) + bias) + residual.
 * a: [...batch, M, K]; b: [K, N] (or [N, K] with transposeB) shared across the batch, or [...batch, K, N] with
 * a's batch dimensions. bias: [N]. residual: the output's shape.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const tb = !!opts.transposeB;
  const sa = shapeStr(a.shape);
  const sb = shapeStr(b.shape);
  if (a.rank < 2) throw new Error(`matmul: a must have rank >= 2 ([...batch, M, K]), got ${sa}`);
  if (b.rank < 2) throw new Error(`matmul: b must have rank >= 2, got ${sb}`);
  if (a.dtype !== b.dtype) throw new Error(`matmul: dtypes differ: a ${sa} is ${a.dtype}, b ${sb} is ${b.dtype}`);
  const M = a.shape[a.rank - 2];
  const K = a.shape[a.rank - 1];
  const [bK, N] = tb ? [b.shape[b.rank - 1], b.shape[b.rank - 2]] : [b.shape[b.rank - 2], b.shape[b.rank - 1]];
  if (bK !== K) {
    throw new Error(`matmul: inner dimensions differ: a ${sa} has K = ${K}, b ${sb}${tb ? ' (transposed)' : ''} has K = ${bK}`);
  }
  const batchDims = a.shape.slice(0, -2);
  const batch = batchDims.reduce((x, y) => x * y, 1);
  let bBatchStride = 0;
  if (b.rank > 2) {
    const bb = b.shape.slice(0, -2);
    if (bb.length !== batchDims.length || bb.some((d, i) => d !== batchDims[i])) {
      throw new Error(`matmul: b ${sb} must be 2-D or have a's batch dimensions ${shapeStr(batchDims)} (a is ${sa})`);
    }
    bBatchStride = K * N;
  }
  const outShape = [...batchDims, M, N];
  if (opts.bias && (opts.bias.rank !== 1 || opts.bias.shape[0] !== N)) {
    throw new Error(`matmul: bias must be [${N}] for output ${shapeStr(outShape)}, got ${shapeStr(opts.bias.shape)}`);
  }
  if (opts.residual) {
    const rs = opts.residual.shape;
    if (rs.length !== outShape.length || rs.some((d, i) => d !== outShape[i])) {
      throw new Error(`matmul: residual ${shapeStr(rs)} must have the output's shape ${shapeStr(outShape)} (a ${sa}, b ${sb})`);
    }
  }
  const out = a.device.empty(outShape, a.dtype, 'matmul');
  matmulStrided({
    batch,
    M,
    N,
    K,
    a: { tensor: a, offset: 0, batchStride: M * K, rowStride: K },
    b: { tensor: b, offset: 0, batchStride: bBatchStride, rowStride: tb ? K : N, transposed: tb },
    out: { tensor: out, offset: 0, batchStride: M * N, rowStride: N },
    bias: opts.bias,
    activation: opts.activation,
    residual: opts.residual,
    alpha: opts.alpha,
    variant: opts.variant,
    layerNorm: opts.layerNorm,
  });
  return out;
}
