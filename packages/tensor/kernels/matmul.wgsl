// Batched, strided matmul with a fused epilogue:
//   out[b][m][n] = act(alpha * sum_k A[b][m][k] * B[b][k][n] + bias[n]) + res[b][m][n]
// Addressing, in elements of T (uniforms):
//   A[b][m][k] = a[aOff + batchAt(b, aBS, aIS) + m*aRS + k]
//   B[b][k][n] = b[bOff + batchAt(b, bBS, bIS) + k*bKS + n*bNS]   (plain B: bKS = row stride, bNS = 1; transposed: the reverse)
//   out / res  = [oOff + batchAt(b, oBS, oIS) + m*oRS + n]        (res is read with out's layout)
// so attention heads are read and written in place inside [L, 3*D] / [L, D] buffers; a batch stride of 0 shares an
// operand across the batch.
//
// Shaped for CPU WebGPU (lavapipe: LLVM, invocations as 8-wide SIMD lanes), correct anywhere but not tuned for GPUs
// (8-lane workgroups, no shared tiles). A classic 64x64 workgroup-shared tile with 4x4 per invocation ran at
// 1-2 GFLOP/s here: every per-lane read of workgroup memory is a gather. Instead one workgroup is WX lanes;
// each lane owns TM rows x TN4*4 columns of a TM x (WX*TN4*4) output tile in registers, with no workgroup memory
// and no barriers. A's index depends only on the workgroup and k, so it is uniform across lanes and lavapipe loads
// it once per workgroup-SIMD as a scalar; only B is loaded per lane, and each loaded B value feeds TM FMAs.
// Rows and columns past the edge are clamped onto the last real one (no branches in the K loop) and never written.
// With VEC_B (B rows contiguous and 4-aligned, N % 4 == 0) each lane's four columns are one vec4 load (on
// lavapipe this measures the same as four scalar loads, as do vec4 loads along k for transposed B; GPUs gain).
// Accumulation is f32 whatever T is. The 1-D grid over (batch, column tile, row tile), row tiles fastest so that
// neighbouring workgroups share their strip of B, folds into y above 65535.
alias T = f32;
alias BV = f32;             // element of the b binding: T, or vec4<T> when VEC_B
const VEC_B: bool = false;
const ACT: u32 = 0u;        // 0 none, 1 GELU (exact, erf), 2 QuickGELU x*sigmoid(1.702x)
const HAS_BIAS: bool = false;
const HAS_RES: bool = false;
// LN_A: A's rows are layer-normalised over K before the product, out = act(alpha * LN(A) B + bias) + res with
// LN(x)_k = (x_k - mean) / sqrt(var + eps) * lnw[k] + lnb[k] (mean and biased variance of the row, two passes,
// as layernorm.wgsl): the layer norm in front of a projection costs no launch of its own and no [M, K] round trip.
const LN_A: bool = false;
// TM (rows per lane and per tile), TN4 (vec4 column groups per lane) and WG (lanes per workgroup) are set by the
// descriptor of each matmul variant (ops/matmul.ts).
const WX: u32 = WG;

const BN: u32 = WX * TN4 * 4u;

// #include matmul_params

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<T>;
@group(0) @binding(2) var<storage, read> b: array<BV>;
@group(0) @binding(3) var<storage, read> bias: array<T>;
@group(0) @binding(4) var<storage, read> res: array<T>;
@group(0) @binding(5) var<storage, read> lnw: array<T>;
@group(0) @binding(6) var<storage, read> lnb: array<T>;
@group(0) @binding(7) var<storage, read_write> out: array<T>;

// #include activation

// b[i] widened to vec4<f32>: the vec4 itself when BV is vec4<T>, a splat when BV is the scalar T (whose .x is then
// the element), so both paths stay valid WGSL whichever BV is set.
fn loadB(i: u32) -> vec4<f32> {
  return vec4<f32>(vec4<T>(b[i]));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lx: u32) {
  let tile = wid.y * nwg.x + wid.x;
  if (tile >= p.total) { return; }
  let bi = tile / p.tilesMN;
  let r = tile - bi * p.tilesMN;
  let tn = r / p.tilesM;
  let m0 = (r - tn * p.tilesM) * TM;
  let n0 = tn * BN + lx * (TN4 * 4u);

  var aRow: array<u32, TM>;
  for (var i = 0u; i < TM; i++) { aRow[i] = p.aOff + batchAt(bi, p.aBS, p.aIS) + min(m0 + i, p.M - 1u) * p.aRS; }
  // Per-lane B offsets of each column (VEC_B: of each vec4, in vec4 units).
  var bCol: array<array<u32, 4>, TN4>;
  for (var j = 0u; j < TN4; j++) {
    for (var c = 0u; c < 4u; c++) {
      if (VEC_B) {
        bCol[j][c] = (p.bOff + batchAt(bi, p.bBS, p.bIS) + min(n0 + j * 4u, p.N - 4u)) / 4u;
      } else {
        bCol[j][c] = p.bOff + batchAt(bi, p.bBS, p.bIS) + min(n0 + j * 4u + c, p.N - 1u) * p.bNS;
      }
    }
  }

  // LN_A: each row's mean and 1/sqrt(var + eps), from uniform loads of the workgroup's TM rows.
  var mu: array<f32, TM>;
  var rs: array<f32, TM>;
  if (LN_A) {
    for (var i = 0u; i < TM; i++) {
      var s = 0.0;
      for (var k = 0u; k < p.K; k++) { s += f32(a[aRow[i] + k]); }
      mu[i] = s / f32(p.K);
      var q = 0.0;
      for (var k = 0u; k < p.K; k++) {
        let d = f32(a[aRow[i] + k]) - mu[i];
        q += d * d;
      }
      rs[i] = inverseSqrt(q / f32(p.K) + p.eps);
    }
  }

  var acc: array<array<vec4<f32>, TN4>, TM>;
  for (var k = 0u; k < p.K; k++) {
    var bv: array<vec4<f32>, TN4>;
    if (VEC_B) {
      let kb = k * (p.bKS / 4u);
      for (var j = 0u; j < TN4; j++) { bv[j] = loadB(kb + bCol[j][0]); }
    } else {
      let kb = k * p.bKS;
      for (var j = 0u; j < TN4; j++) {
        bv[j] = vec4<f32>(loadB(kb + bCol[j][0]).x, loadB(kb + bCol[j][1]).x,
                          loadB(kb + bCol[j][2]).x, loadB(kb + bCol[j][3]).x);
      }
    }
    var g = 0.0;
    var h = 0.0;
    if (LN_A) {
      g = f32(lnw[k]);
      h = f32(lnb[k]);
    }
    for (var i = 0u; i < TM; i++) {
      var x = f32(a[aRow[i] + k]);
      if (LN_A) { x = (x - mu[i]) * rs[i] * g + h; }
      let av = vec4<f32>(x);
      for (var j = 0u; j < TN4; j++) { acc[i][j] = fma(av, bv[j], acc[i][j]); }
    }
  }

  // The epilogue runs once per element in a loop with data-dependent bounds that the compiler keeps rolled: unrolled
  // over the TM x TN4*4 block, an erf or exp per element made lavapipe's pipeline compile take seconds.
  // pre is indexed by a loop counter, so it lives in (per-lane) scratch memory while acc stays in registers.
  var pre: array<f32, TM * TN4 * 4u>;
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < TN4; j++) {
      for (var c = 0u; c < 4u; c++) { pre[(i * TN4 + j) * 4u + c] = acc[i][j][c]; }
    }
  }
  let oBase = p.oOff + batchAt(bi, p.oBS, p.oIS);
  let rows = min(TM, p.M - m0);
  let cols = min(TN4 * 4u, p.N - min(n0, p.N));
  for (var i = 0u; i < rows; i++) {
    for (var c = 0u; c < cols; c++) {
      let n = n0 + c;
      var v = p.alpha * pre[i * TN4 * 4u + c];
      if (HAS_BIAS) { v += f32(bias[n]); }
      v = activate(v);
      let o = oBase + (m0 + i) * p.oRS + n;
      if (HAS_RES) { v += f32(res[o]); }
      out[o] = T(v);
    }
  }
}
