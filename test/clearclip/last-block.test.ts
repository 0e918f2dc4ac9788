import t from 'tap';
import { DecomposedBlock, PRESETS, UPSTREAM_MODEL_TYPES, type AttentionKind, type LastBlockForm } from 'clearclip';
import type { ResidualAttentionBlock } from '@clearclip/vit';
import { assertClose } from '../helpers/assert.js';
import { uniform } from '../helpers/random.js';
import { loadFixtureClip } from './helpers/fixture-model.js';

t.test('presets as documented: upstream model_type x ignore_residual (True drops residual and FFN)', async (t) => {
  t.same(PRESETS, {
    clearclip: { residual: false, attention: 'qq', ffn: false },
    vanilla: { residual: true, attention: 'qk', ffn: true },
    maskclip: { residual: false, attention: 'identity', ffn: false },
    sclip: { residual: false, attention: 'sclip', ffn: false },
  });
  t.same(UPSTREAM_MODEL_TYPES, { vanilla: 'qk', ClearCLIP: 'qq', MaskCLIP: 'identity', SCLIP: 'sclip' });
});

t.test('only the projections the attention form reads are computed', async (t) => {
  const clip = await loadFixtureClip(t);
  if (!clip) return;
  const base = clip.visual.blocks.at(-1)!;
  const want: Record<AttentionKind, string[]> = {
    qq: ['q', 'v'],
    identity: ['v'],
    qk: ['k', 'q', 'v'],
    sclip: ['k', 'q', 'v'],
    kk: ['k', 'v'],
    vv: ['v'],
  };
  for (const [attention, proj] of Object.entries(want)) {
    for (const ffn of [false, true]) {
      const b = new DecomposedBlock(base, { attention: attention as AttentionKind, residual: ffn, ffn });
      t.same([...b.projections].sort(), proj, `${attention}${ffn ? ' (residual + FFN)' : ''}`);
      b.dispose();
    }
  }
});

/** The block's weights on the host: Linear weights [in, out], in_proj columns q | k | v. */
async function hostWeights(b: ResidualAttentionBlock) {
  const r = async (x: { weight: { readFloat(): Promise<Float32Array> }; bias: { readFloat(): Promise<Float32Array> } }) => ({
    w: await x.weight.readFloat(),
    b: await x.bias.readFloat(),
  });
  return { ln1: await r(b.w.ln1), inProj: await r(b.w.inProj), outProj: await r(b.w.outProj), ln2: await r(b.w.ln2), fc: await r(b.w.fc), proj: await r(b.w.proj) };
}

type Rows = Float64Array[];

function layerNorm(x: Rows, g: Float32Array, b: Float32Array, eps: number): Rows {
  return x.map((r) => {
    const mean = r.reduce((a, v) => a + v, 0) / r.length;
    const variance = r.reduce((a, v) => a + (v - mean) ** 2, 0) / r.length;
    return r.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * g[i] + b[i]);
  });
}

/** x [L, in] @ w[:, col0 : col0 + out] (w is [in, cols]) + bias[col0 : col0 + out]. */
function linear(x: Rows, w: Float32Array, bias: Float32Array, cols: number, col0: number, out: number): Rows {
  return x.map((r) => {
    const y = new Float64Array(out);
    for (let j = 0; j < out; j++) {
      let s = bias[col0 + j];
      for (let i = 0; i < r.length; i++) s += r[i] * w[i * cols + col0 + j];
      y[j] = s;
    }
    return y;
  });
}

const quickGelu = (v: number) => v / (1 + Math.exp(-1.702 * v));

/**
 * The decomposed block in float64, straight from the formula: a = out_proj(softmax(s·xxᵀ)·v) per head with
 * x = q, k or v of ln_1(x) (in_proj bias included); out = [x +] a; [out + mlp(ln_2(out))].
 */
function decomposedRef(x: Rows, w: Awaited<ReturnType<typeof hostWeights>>, heads: number, eps: number, form: LastBlockForm): Rows {
  const W = x[0].length;
  const L = x.length;
  const hd = W / heads;
  const h = layerNorm(x, w.ln1.w, w.ln1.b, eps);
  const col = { q: 0, k: 1, v: 2 };
  const proj = (p: 'q' | 'k' | 'v') => linear(h, w.inProj.w, w.inProj.b, 3 * W, col[p] * W, W);
  const v = proj('v');
  const src = form.attention === 'vv' ? v : form.attention === 'kk' ? proj('k') : null;
  if (!src) throw new Error(`decomposedRef: ${form.attention} is not written here`);
  const ctx: Rows = Array.from({ length: L }, () => new Float64Array(W));
  for (let hh = 0; hh < heads; hh++) {
    for (let l = 0; l < L; l++) {
      const s = new Float64Array(L);
      for (let m = 0; m < L; m++) {
        let d = 0;
        for (let c = hh * hd; c < (hh + 1) * hd; c++) d += src[l][c] * src[m][c];
        s[m] = d / Math.sqrt(hd);
      }
      const mx = Math.max(...s);
      const e = s.map((z) => Math.exp(z - mx));
      const sum = e.reduce((a, z) => a + z, 0);
      for (let m = 0; m < L; m++) for (let c = hh * hd; c < (hh + 1) * hd; c++) ctx[l][c] += (e[m] / sum) * v[m][c];
    }
  }
  let out = linear(ctx, w.outProj.w, w.outProj.b, W, 0, W);
  if (form.residual) out = out.map((r, l) => r.map((z, i) => z + x[l][i]));
  if (form.ffn) {
    const F = w.fc.b.length;
    const f = linear(layerNorm(out, w.ln2.w, w.ln2.b, eps), w.fc.w, w.fc.b, F, 0, F).map((r) => r.map(quickGelu));
    const m = linear(f, w.proj.w, w.proj.b, W, 0, W);
    out = out.map((r, l) => r.map((z, i) => z + m[l][i]));
  }
  return out;
}

// Tolerance: f32 GPU vs float64 on outputs of magnitude ~1-5 through LayerNorm, three to five matmuls with K <= 256
// and a softmax; accumulated rounding is ~1e-6 x magnitude. 1e-5 relative to max|ref| is a ~10x margin over what
// was measured and ~1e4 below the change from using a wrong projection or dropping a term.
t.test('vv and kk attention (not in the fixture) match a float64 computation from the block weights', async (t) => {
  const clip = await loadFixtureClip(t);
  if (!clip) return;
  const base = clip.visual.blocks.at(-1)!;
  t.equal(base.activation, 'quickgelu', 'fixture block uses QuickGELU (as the reference here)');
  const W = base.width;
  const L = 10;
  const xs = uniform(L * W, 77, -2, 2);
  const rows: Rows = Array.from({ length: L }, (_, l) => Float64Array.from(xs.subarray(l * W, (l + 1) * W)));
  const w = await hostWeights(base);
  const dev = clip.device;
  const forms: LastBlockForm[] = [
    { attention: 'vv', residual: false, ffn: false },
    { attention: 'kk', residual: true, ffn: true },
    // The switches are independent: residual without FFN, FFN without residual.
    { attention: 'vv', residual: true, ffn: false },
    { attention: 'kk', residual: false, ffn: true },
  ];
  for (const form of forms) {
    const want = decomposedRef(rows, w, base.heads, base.eps, form).flatMap((r) => Array.from(r));
    const blk = new DecomposedBlock(base, form);
    const x = dev.tensor(xs, [1, L, W], 'f32', 'x');
    const y = blk.forward(x);
    t.same(y.shape, [1, L, W]);
    const got = await y.readFloat();
    const refMax = want.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    assertClose(t, got, want, { atol: 1e-5 * refMax, shape: [L, W] }, `${JSON.stringify(form)}`);
    for (const z of [x, y]) z.dispose();
    blk.dispose();
  }
});

t.test('the vanilla preset (qk, residual, FFN) is the unmodified block', async (t) => {
  const clip = await loadFixtureClip(t);
  if (!clip) return;
  const base = clip.visual.blocks.at(-1)!;
  const dev = clip.device;
  const L = 7;
  const x = dev.tensor(uniform(2 * L * base.width, 5, -2, 2), [2, L, base.width], 'f32', 'x');
  const blk = new DecomposedBlock(base, PRESETS.vanilla);
  const a = blk.forward(x);
  const b = base.forward(x);
  const want = await b.readFloat();
  // Same kernels on the same numbers (the fused qkv projection and its column slices give the same dot products);
  // allow a few f32 ulps of the output magnitude in case a matmul picks another tiling for the narrower weights.
  const refMax = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assertClose(t, await a.readFloat(), want, { atol: 1e-6 * refMax }, 'vanilla DecomposedBlock vs ResidualAttentionBlock, batch of 2');
  for (const z of [x, a, b]) z.dispose();
  blk.dispose();
});
