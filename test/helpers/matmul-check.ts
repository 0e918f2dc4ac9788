/**
 * Float64-reference checks of matmul launches, shared by the per-variant tests on every adapter. The tolerance is
 * matmul.test.ts's: a float sum of K products carries at most about K u sum_k |a_k||b_k| of rounding error
 * (u = 2^-24, every kernel accumulates in f32), the epilogue a few roundings more (the +8 and the |ref| term),
 * and an f16 output one more rounding (2^-11 relative, 2^-25 absolute among subnormals).
 */
import type { Test } from 'tap';
import { MATMUL_VARIANTS, matmulStrided, roundToF16, type Activation, type GpuDevice } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { uniform } from './random.js';
import { skipTest } from './fixtures.js';

export type F = 'f32' | 'f16';

export function checkMatmul(t: Test, dtype: F, got: ArrayLike<number>, want: Float64Array, scale: Float64Array, K: number, extra: Float64Array | null, what: string): void {
  const u = 2 ** -24;
  let worst = 0;
  let worstAt = -1;
  let maxErr = 0;
  for (let i = 0; i < want.length; i++) {
    const mag = scale[i] + (extra ? extra[i] : 0) + Math.abs(want[i]);
    const bound = (K + 8) * u * mag + (dtype === 'f16' ? 1.01 * 2 ** -11 * Math.abs(want[i]) + 2 ** -25 : 0) + 1e-30;
    const err = Math.abs(got[i] - want[i]);
    maxErr = Math.max(maxErr, Number.isNaN(err) ? Infinity : err);
    const r = Number.isNaN(err) ? Infinity : err / bound;
    if (r > worst) [worst, worstAt] = [r, i];
  }
  const msg = `${what}: max |err| ${maxErr.toExponential(2)}, worst err/bound ${worst.toFixed(3)}`;
  t.ok(got.length === want.length && worst <= 1, worstAt >= 0 && worst > 1 ? `${msg} at ${worstAt}: got ${got[worstAt]}, want ${want[worstAt]}` : msg);
}

export function matmulData(n: number, seed: number, dtype: F, lo = -1, hi = 1): Float32Array {
  const x = uniform(n, seed, lo, hi);
  return dtype === 'f16' ? roundToF16(x) : x;
}

export interface MatmulCase {
  batch?: number;
  M: number;
  K: number;
  N: number;
  transposeB?: boolean;
  batchedB?: boolean;
  bias?: boolean;
  activation?: Activation;
  residual?: boolean;
  alpha?: number;
  /** A's rows layer-normalised inside the kernel (A drawn from [-1, 3] so that the means are far from 0). */
  layerNorm?: boolean;
  /**
   * The batch is items x heads (StridedMatmul.heads), laid out as attention's: A [items, M, heads * K], B (batched)
   * [items, K, heads * N] or transposed [items, N, heads * K], out and residual [items, M, heads * N], each head a
   * column block of its item's rows.
   */
  heads?: number;
}

/**
 * Dense [batch, rows, cols] data (batch = items x heads) moved to or from the interleaved [items, rows, heads * cols]
 * layout of a heads case: interleave(x) puts head h of item i into columns h*cols.. of item i's rows.
 */
function interleave(x: ArrayLike<number>, items: number, heads: number, rows: number, cols: number, back = false): Float32Array {
  const y = new Float32Array(items * heads * rows * cols);
  for (let i = 0; i < items; i++)
    for (let h = 0; h < heads; h++)
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          const dense = ((i * heads + h) * rows + r) * cols + c;
          const inter = (i * rows + r) * heads * cols + h * cols + c;
          if (back) y[dense] = x[inter];
          else y[inter] = x[dense];
        }
  return y;
}

/**
 * The float64 layer norm of A's rows, and a per-element magnitude that bounds the f32 kernel's error in it: the mean
 * and variance are sums of K terms (error up to about K u times mean|x| and its square), so a normalised element
 * is off by at most about K u (|x - mean| + mean|x|) rstd |w| plus its own few roundings; carried through the
 * product, that is the matmul bound over K more terms, hence checkMatmul is given 2K and these magnitudes.
 */
function layerNormA(a: Float32Array, rows: number, K: number, w: Float32Array, b: Float32Array, eps: number): { norm: Float64Array; mag: Float64Array } {
  const norm = reference.layerNormRef(a, w, b, eps);
  const mag = new Float64Array(a.length);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    let sa = 0;
    for (let k = 0; k < K; k++) [s, sa] = [s + a[r * K + k], sa + Math.abs(a[r * K + k])];
    const mean = s / K;
    let q = 0;
    for (let k = 0; k < K; k++) q += (a[r * K + k] - mean) ** 2;
    const rstd = 1 / Math.sqrt(q / K + eps);
    for (let k = 0; k < K; k++) mag[r * K + k] = (Math.abs(a[r * K + k] - mean) + sa / K) * rstd * Math.abs(w[k]) + Math.abs(b[k]);
  }
  return { norm, mag };
}

/** Run one case through matmulStrided with the given variant forced, and check it against float64. */
export async function runMatmulCase(t: Test, dev: GpuDevice, variant: string, dtype: F, c: MatmulCase, seed: number): Promise<void> {
  const batch = c.batch ?? 1;
  const { M, K, N } = c;
  const a = c.layerNorm ? matmulData(batch * M * K, seed, dtype, -1, 3) : matmulData(batch * M * K, seed, dtype);
  const lnw = c.layerNorm ? matmulData(K, seed + 4, dtype, 0.5, 1.5) : undefined;
  const lnb = c.layerNorm ? matmulData(K, seed + 5, dtype, -0.5, 0.5) : undefined;
  const eps = 1e-5;
  const b = matmulData((c.batchedB ? batch : 1) * K * N, seed + 1, dtype);
  const bias = c.bias ? matmulData(N, seed + 2, dtype) : undefined;
  const res = c.residual ? matmulData(batch * M * N, seed + 3, dtype) : undefined;
  // A heads case stores every operand interleaved (the reference below still sees the dense per-head matrices).
  const H = c.heads ?? 1;
  if (H > 1 && (!c.batchedB || batch % H)) throw new Error('a heads case needs batchedB and a batch that is items x heads');
  const lay = (x: Float32Array, rows: number, cols: number) => (H > 1 ? interleave(x, batch / H, H, rows, cols) : x);
  const [bRows, bCols] = c.transposeB ? [N, K] : [K, N];
  const ta = dev.tensor(lay(a, M, K), [batch * M, K], dtype);
  const tb = dev.tensor(lay(b, bRows, bCols), [(c.batchedB ? batch : 1) * bRows, bCols], dtype);
  const tbias = bias && dev.tensor(bias, [N], dtype);
  const tres = res && dev.tensor(lay(res, M, N), [batch, M, N], dtype);
  const tlnw = lnw && dev.tensor(lnw, [K], dtype);
  const tlnb = lnb && dev.tensor(lnb, [K], dtype);
  const view = (tensor: typeof ta, rows: number, cols: number) =>
    H > 1 ? { tensor, offset: 0, batchStride: H * rows * cols, headStride: cols, rowStride: H * cols } : { tensor, offset: 0, batchStride: rows * cols, rowStride: cols };
  const out = matmulStrided({
    batch, M, N, K,
    heads: H > 1 ? H : undefined,
    a: view(ta, M, K),
    b: { ...(c.batchedB ? view(tb, bRows, bCols) : { tensor: tb, offset: 0, batchStride: 0, rowStride: bCols }), transposed: !!c.transposeB },
    out: H > 1 ? view(dev.empty([batch, M, N], dtype), M, N) : undefined,
    bias: tbias,
    residual: tres,
    activation: c.activation,
    alpha: c.alpha,
    variant,
    layerNorm: tlnw && tlnb ? { weight: tlnw, bias: tlnb, eps } : undefined,
  });
  const opts = { transposeB: c.transposeB, batchedB: c.batchedB, bias, residual: res, activation: c.activation, alpha: c.alpha };
  const ln = lnw && lnb ? layerNormA(a, batch * M, K, lnw, lnb, eps) : null;
  const want = reference.matmulRef(ln ? ln.norm : a, b, batch, M, K, N, opts);
  const scale = reference.matmulAbsRef(ln ? ln.mag : a, b, batch, M, K, N, opts);
  let extra: Float64Array | null = null;
  if (bias || res) extra = Float64Array.from(want, (_, i) => (bias ? Math.abs(bias[i % N]) : 0) + (res ? Math.abs(res[i]) : 0));
  const name = `${variant} ${dtype} ${batch > 1 ? batch + ' x ' : ''}${ln ? 'LN ' : ''}${M}x${K} @ ${c.transposeB ? 'T' : ''}${K}x${N}` +
    `${c.batchedB ? ' batched' : ''}${bias ? ' +bias' : ''}${c.activation ? ' ' + c.activation : ''}${res ? ' +res' : ''}${c.alpha !== undefined ? ' alpha ' + c.alpha : ''}`;
  const got = await out.read();
  checkMatmul(t, dtype, H > 1 ? interleave(got, batch / H, H, M, N, true) : got, want, scale, ln ? 2 * K : K, extra, name + (H > 1 ? ` (${batch / H} items x ${H} heads, interleaved)` : ''));
  for (const x of [ta, tb, out, tbias, tres, tlnw, tlnb]) x?.dispose();
}

/**
 * Awkward shapes for every variant, chosen so that each kernel specialisation appears (scalar and vec4 loads of
 * A and B, transposed B, both epilogue paths) while the number of pipeline compiles stays small: compiles
 * dominate these tests on software adapters. Nothing is a multiple of a tile; all shapes leave partial tiles.
 */
export const VARIANT_CASES: MatmulCase[] = [
  { M: 67, K: 33, N: 129 }, // scalar A and B loads
  { M: 67, K: 36, N: 132 }, // vec4 A and B loads, partial tiles
  { M: 37, K: 35, N: 29, transposeB: true }, // transposed B staged k-fastest
  { batch: 3, M: 25, K: 16, N: 24, transposeB: true, batchedB: true }, // attention scores
  { batch: 3, M: 25, K: 24, N: 16, batchedB: true }, // attention PV
  { batch: 6, heads: 3, M: 21, K: 8, N: 21, transposeB: true, batchedB: true, alpha: 0.35 }, // scores of 2 items x 3 heads in place
  { batch: 6, heads: 3, M: 21, K: 21, N: 8, batchedB: true, residual: true }, // PV of 2 items x 3 heads, written in place
  { M: 13, K: 520, N: 20 }, // long K, many K steps
  { M: 29, K: 45, N: 31, bias: true, activation: 'gelu', residual: true, alpha: 0.125 },
  { batch: 2, M: 29, K: 44, N: 32, bias: true, activation: 'quickgelu', residual: true, alpha: -2.5 },
  { M: 37, K: 36, N: 40, layerNorm: true, bias: true }, // layer norm in the prologue, vec4 A
  { batch: 2, M: 19, K: 33, N: 29, layerNorm: true, activation: 'gelu', residual: true }, // scalar A, batched
];

/** The f16 subset: one scalar and one vec4 specialisation, with an epilogue. */
export const VARIANT_CASES_F16: MatmulCase[] = [
  { M: 67, K: 33, N: 129, bias: true, activation: 'gelu' },
  { batch: 2, M: 29, K: 44, N: 32, bias: true, activation: 'quickgelu', residual: true, alpha: -2.5 },
  { M: 21, K: 40, N: 24, layerNorm: true, bias: true },
  { batch: 4, heads: 2, M: 13, K: 8, N: 13, transposeB: true, batchedB: true }, // scores of 2 items x 2 heads in place
];

/** A variant without the layer-norm prologue, forced onto a launch that needs it, is refused by name (never run). */
async function refusesLayerNorm(t: Test, dev: GpuDevice, variant: string, dtype: F): Promise<void> {
  const x = dev.tensor(new Float32Array(8 * 8), [8, 8], dtype);
  const w = dev.tensor(new Float32Array(8).fill(1), [8], dtype);
  const spec = { batch: 1, M: 8, N: 8, K: 8, a: { tensor: x, offset: 0, batchStride: 64, rowStride: 8 }, b: { tensor: x, offset: 0, batchStride: 0, rowStride: 8, transposed: false } };
  t.throws(() => matmulStrided({ ...spec, variant, layerNorm: { weight: w, bias: w, eps: 1e-5 } }), new RegExp(`matmul variant "${variant}" does not run on`), `${variant} ${dtype}: no layer-norm prologue, refused`);
  x.dispose();
  w.dispose();
}

/**
 * Every registered matmul variant on `dev`, one subtest each, against the float64 reference: the f32 cases, and the
 * f16-storage cases where the device has shader-f16. A variant the device cannot run (feature-bound: subgroups) is a
 * tap skip saying so; it is tested on the adapters that run it.
 */
export function testEveryVariant(t: Test, dev: GpuDevice): void {
  for (const v of MATMUL_VARIANTS) {
    t.test(v.name, async (t) => {
      if (!v.supports(dev, { dtype: 'f32', batch: 1, M: 1, N: 1, K: 1, transposed: false, vecA: false, vecB: false })) {
        skipTest(t, `${v.name} is not supported on ${dev.describe()}`);
        return;
      }
      // Cases needing the layer-norm prologue run where the variant has it; elsewhere the variant must refuse them.
      const runs = (c: MatmulCase) => v.supports(dev, { dtype: 'f32', batch: 1, M: 1, N: 1, K: 1, transposed: false, vecA: false, vecB: false, lnA: !!c.layerNorm });
      for (const [i, c] of VARIANT_CASES.entries()) {
        if (runs(c)) await runMatmulCase(t, dev, v.name, 'f32', c, 10 * i);
        else await refusesLayerNorm(t, dev, v.name, 'f32');
      }
      if (dev.hasF16) {
        for (const [i, c] of VARIANT_CASES_F16.entries()) {
          if (runs(c)) await runMatmulCase(t, dev, v.name, 'f16', c, 10 * i + 5);
          else await refusesLayerNorm(t, dev, v.name, 'f16');
        }
      }
      else t.comment('no shader-f16 on this adapter: f16 storage not tested here');
    });
  }
}
