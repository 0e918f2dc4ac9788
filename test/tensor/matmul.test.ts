import t, { type Test } from 'tap';
import { matmul, matmulStrided, roundToF16, type Activation, type Tensor } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { checkOpCases } from '../helpers/op-cases.js';
import { matmulCases, matmulTolerance } from '@clearclip/tensor/op-cases';
import { assertClose } from '../helpers/assert.js';

type F = 'f32' | 'f16';

/** The strided-view checks: every element within the table's matmul tolerance (see matmulTolerance). */
function check(t: Test, dtype: F, got: ArrayLike<number>, want: Float64Array, sumAbs: Float64Array, K: number, epilogueAbs: Float64Array | null, what: string): void {
  assertClose(t, got, want, matmulTolerance(dtype, K, want, sumAbs, epilogueAbs), what);
}

function data(n: number, seed: number, dtype: F, lo = -1, hi = 1): Float32Array {
  const x = uniform(n, seed, lo, hi);
  return dtype === 'f16' ? roundToF16(x) : x;
}

t.test('matmul matches the float64 reference on awkward shapes, both B layouts and every epilogue (the op case table)', (t) => checkOpCases(t, matmulCases));

t.test('GELU covers the whole erf range, including the tails where erf is clamped', async (t) => {
  const dev = await testDevice();
  // Pre-activations from -12 to 12: x = 1 * a with a 1x1 identity-like B of value 1.
  const n = 2401;
  const x = Float32Array.from({ length: n }, (_, i) => -12 + (24 * i) / (n - 1));
  const out = await matmul(dev.tensor(x, [n, 1]), dev.tensor([1], [1, 1]), { activation: 'gelu' }).read();
  const want = Float64Array.from(x, (v) => reference.activationRef(v, 'gelu'));
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(out[i] - want[i]) / (1e-7 + 2 ** -23 * Math.abs(want[i])));
  // Units of 1e-7 absolute + 1 ulp relative. In the negative tail 0.5x(1 + erf(x/sqrt2)) cancels: 1 + erf carries
  // erf's f32 rounding (ulp(1) = 1.2e-7) and the approximation's 1e-7, both scaled by 0.5|x| <= 6, so up to ~13e-7.
  t.ok(worst <= 14, `gelu over [-12, 12]: worst error ${worst.toFixed(2)} units of (1e-7 + 2^-23 |y|)`);
});

t.test('strided views: attention heads read from a [L, 3D] qkv buffer and written into [L, D]', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    // dh = 16 keeps every V view 4-aligned (vec4 path); dh = 6 does not (scalar path).
    for (const [L, H, dh] of [[37, 3, 16], [23, 4, 6]]) {
      const D = H * dh;
      const qkv = data(L * 3 * D, L + dh, dtype);
      const tq = dev.tensor(qkv, [L, 3 * D], dtype);
      const scale = 1 / Math.sqrt(dh);
      const scores = matmulStrided({
        batch: H, M: L, N: L, K: dh,
        a: { tensor: tq, offset: 0, batchStride: dh, rowStride: 3 * D },
        b: { tensor: tq, offset: D, batchStride: dh, rowStride: 3 * D, transposed: true },
        alpha: scale,
      });
      t.same(scores.shape, [H, L, L]);
      // Host copies of the per-head matrices for the dense reference.
      const head = (which: number, h: number) => {
        const m = new Float32Array(L * dh);
        for (let l = 0; l < L; l++) for (let d = 0; d < dh; d++) m[l * dh + d] = qkv[l * 3 * D + which * D + h * dh + d];
        return m;
      };
      const cat = (which: number) => {
        const all = new Float32Array(H * L * dh);
        for (let h = 0; h < H; h++) all.set(head(which, h), h * L * dh);
        return all;
      };
      const Q = cat(0), Kh = cat(1), V = cat(2);
      const o1 = { transposeB: true, batchedB: true, alpha: scale };
      check(t, dtype, await scores.read(), reference.matmulRef(Q, Kh, H, L, dh, L, o1), reference.matmulAbsRef(Q, Kh, H, L, dh, L, o1), dh, null, `${dtype} QK^T heads L=${L} H=${H} dh=${dh}`);

      const probs = data(H * L * L, 7, dtype, 0, 1);
      const tp = dev.tensor(probs, [H, L, L], dtype);
      const ctx = dev.zeros([L, D], dtype);
      const ret = matmulStrided({
        batch: H, M: L, N: dh, K: L,
        a: { tensor: tp, offset: 0, batchStride: L * L, rowStride: L },
        b: { tensor: tq, offset: 2 * D, batchStride: dh, rowStride: 3 * D, transposed: false },
        out: { tensor: ctx, offset: 0, batchStride: dh, rowStride: D },
      });
      t.equal(ret, ctx, 'writes into the given output tensor');
      const o2 = { batchedB: true };
      const perHead = reference.matmulRef(probs, V, H, L, L, dh, o2);
      const perHeadAbs = reference.matmulAbsRef(probs, V, H, L, L, dh, o2);
      // [H, L, dh] -> [L, H*dh]
      const want = new Float64Array(L * D);
      const wantAbs = new Float64Array(L * D);
      for (let h = 0; h < H; h++) for (let l = 0; l < L; l++) for (let d = 0; d < dh; d++) {
        want[l * D + h * dh + d] = perHead[(h * L + l) * dh + d];
        wantAbs[l * D + h * dh + d] = perHeadAbs[(h * L + l) * dh + d];
      }
      check(t, dtype, await ctx.read(), want, wantAbs, L, null, `${dtype} PV heads written into [L, D], L=${L} H=${H} dh=${dh}`);
      for (const x of [tq, scores, tp, ctx]) x.dispose();
    }
  }
});

t.test('items x heads: two items of a [2, L, 3D] qkv buffer read in place equal each item run alone, default output dense', async (t) => {
  const dev = await testDevice();
  const [L, H, dh] = [19, 3, 8];
  const D = H * dh;
  const x = data(2 * L * 3 * D, 11, 'f32');
  const tq = dev.tensor(x, [2, L, 3 * D]);
  const both = await matmulStrided({
    batch: 2 * H, heads: H, M: L, N: L, K: dh,
    a: { tensor: tq, offset: 0, batchStride: L * 3 * D, headStride: dh, rowStride: 3 * D },
    b: { tensor: tq, offset: D, batchStride: L * 3 * D, headStride: dh, rowStride: 3 * D, transposed: true },
  }).read();
  t.equal(both.length, 2 * H * L * L, 'a dense [items * heads, L, L] output');
  for (let item = 0; item < 2; item++) {
    // One item with the plain batch over heads (batchStride = head distance), as before the split existed.
    const one = await matmulStrided({
      batch: H, M: L, N: L, K: dh,
      a: { tensor: tq, offset: item * L * 3 * D, batchStride: dh, rowStride: 3 * D },
      b: { tensor: tq, offset: item * L * 3 * D + D, batchStride: dh, rowStride: 3 * D, transposed: true },
    }).read();
    t.same(both.subarray(item * H * L * L, (item + 1) * H * L * L), one, `item ${item}: bit for bit the same scores`);
  }
  t.throws(() => matmulStrided({
    batch: 4, heads: 3, M: 2, N: 2, K: 2,
    a: { tensor: tq, offset: 0, batchStride: 4, rowStride: 2 },
    b: { tensor: tq, offset: 0, batchStride: 4, rowStride: 2, transposed: false },
  }), /heads must be a positive integer dividing batch 4, got 3/);
  t.throws(() => matmulStrided({
    batch: 6, heads: 3, M: L, N: L, K: dh,
    a: { tensor: tq, offset: 0, batchStride: L * 3 * D, headStride: 3 * D, rowStride: 3 * D },
    b: { tensor: tq, offset: D, batchStride: L * 3 * D, headStride: dh, rowStride: 3 * D, transposed: true },
  }), /a view .*\(2 items x 3 heads, headStride 72\) reaches element/);
});

t.test('a batch of more than 65535 tiles folds the grid into y', async (t) => {
  const dev = await testDevice();
  const B = 70001;
  const a = uniform(B * 2, 1);
  const b = uniform(B * 2, 2);
  const out = await matmul(dev.tensor(a, [B, 1, 2]), dev.tensor(b, [B, 2, 1])).read();
  const want = reference.matmulRef(a, b, B, 1, 2, 1, { batchedB: true });
  let maxErr = 0;
  for (let i = 0; i < B; i++) maxErr = Math.max(maxErr, Math.abs(out[i] - want[i]));
  // Two products and one sum of values below 1: a few f32 ulps.
  t.ok(maxErr < 1e-6, `70001 batched 1x2x1 products, max |err| ${maxErr.toExponential(2)}`);
});

t.test('bad inputs are rejected with the shapes named', async (t) => {
  const dev = await testDevice();
  const z = (s: number[], d: F = 'f32'): Tensor => dev.zeros(s, d);
  t.throws(() => matmul(z([3, 4]), z([5, 6])), /inner dimensions differ: a \[3, 4\] has K = 4, b \[5, 6\] has K = 5/);
  t.throws(() => matmul(z([3, 4]), z([5, 4]), { transposeB: false }), /\[5, 4\]/);
  t.throws(() => matmul(z([2, 3, 4]), z([3, 4, 6])), /b \[3, 4, 6\] must be 2-D or have a's batch dimensions \[2\]/);
  t.throws(() => matmul(z([3, 4]), z([4, 6]), { bias: z([5]) }), /bias must be \[6\].*got \[5\]/);
  t.throws(() => matmul(z([3, 4]), z([4, 6]), { residual: z([6, 3]) }), /residual \[6, 3\] must have the output's shape \[3, 6\]/);
  t.throws(() => matmul(z([4]), z([4, 6])), /a must have rank >= 2/);
  if (dev.hasF16) t.throws(() => matmul(z([3, 4]), z([4, 6], 'f16')), /dtypes differ/);
  t.throws(() => matmulStrided({
    batch: 2, M: 3, N: 3, K: 4,
    a: { tensor: z([3, 4]), offset: 0, batchStride: 12, rowStride: 4 },
    b: { tensor: z([4, 3]), offset: 0, batchStride: 0, rowStride: 3, transposed: false },
  }), /a view .* reaches element 23, beyond/);
  t.throws(() => matmul(z([3, 4]), z([4, 6]), { activation: 'relu' as Activation }), /unknown activation "relu"/);
});
