// Batched, strided matmul with a fused epilogue, tiled through workgroup memory for hardware GPUs.
// Same contract, uniforms and bindings as matmul.wgsl (the lane kernel):
//   out[b][m][n] = act(alpha * sum_k A[b][m][k] * B[b][k][n] + bias[n]) + res[b][m][n]
//   A[b][m][k] = a[aOff + batchAt(b, aBS, aIS) + m*aRS + k];  B[b][k][n] = b[bOff + batchAt(b, bBS, bIS) + k*bKS + n*bNS];  out/res at [oOff + batchAt(b, oBS, oIS) + m*oRS + n]
//
// One workgroup of TX*TY invocations computes a BM x BN output tile. Each K step it stages a BM x BK slice of A
// and a BK x BN slice of B in workgroup memory (cooperative, coalesced loads, vec4 where the layout allows, zeros
// past the edges so partial tiles need no branches in the inner loop), then each invocation accumulates TM x TN
// outputs in registers (2D register blocking: per k, TM scalar A reads and TN/4 vec4 B reads feed TM*TN FMAs).
// Invocation (tx, ty) owns rows ty + i*TY and vec4 column groups tx + j*TX: strided ownership keeps neighbouring
// invocations on neighbouring workgroup-memory words (no bank conflicts on the B reads, a broadcast on A).
// Storage may be f16 (T); staging and accumulation are f32. The 1-D grid over (batch, column tile, row tile)
// folds into y above 65535, as in the lane kernel.
alias T = f32;
alias AV = f32;             // element of the a binding: T, or vec4<T> when VEC_A
alias BV = f32;             // element of the b binding: T, or vec4<T> when VEC_B
const VEC_A: bool = false;  // A rows contiguous, K % 4 == 0 and every offset/stride 4-aligned: vec4 loads along k
const VEC_B: bool = false;  // B rows contiguous (not transposed), N % 4 == 0, 4-aligned: vec4 loads along n
const B_KFAST: bool = false; // transposed B: stage with k fastest so that global reads stay contiguous
const ACT: u32 = 0u;        // 0 none, 1 GELU (exact, erf), 2 QuickGELU x*sigmoid(1.702x)
const HAS_BIAS: bool = false;
const HAS_RES: bool = false;
const LN_A: bool = false;   // A's rows layer-normalised over K before the product (see matmul.wgsl)
// Injected by the descriptor (ops/matmul-variants.ts), one per configuration: WG (= TX * TY invocations) and
// BM, BN (tile rows, columns; BN a multiple of 4*TX), BK (K step, a multiple of 4), TM, TN (rows and columns per
// invocation; TN a multiple of 4).
const TX: u32 = BN / TN;
const TY: u32 = BM / TM;
const TN4: u32 = TN / 4u;
const BN4: u32 = BN / 4u;

// #include matmul_params

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<AV>;
@group(0) @binding(2) var<storage, read> b: array<BV>;
@group(0) @binding(3) var<storage, read> bias: array<T>;
@group(0) @binding(4) var<storage, read> res: array<T>;
@group(0) @binding(5) var<storage, read> lnw: array<T>;
@group(0) @binding(6) var<storage, read> lnb: array<T>;
@group(0) @binding(7) var<storage, read_write> out: array<T>;

var<workgroup> As: array<f32, BK * BM>;        // As[k * BM + m]
var<workgroup> Bs: array<vec4<f32>, BK * BN4>; // Bs[k * BN4 + n/4]
var<workgroup> lnMu: array<f32, BM>;           // LN_A: the tile rows' means
var<workgroup> lnRs: array<f32, BM>;           // and 1/sqrt(var + eps)

// #include activation

// a[i] / b[i] widened to vec4<f32>: the vec4 itself when the binding holds vec4<T>, a splat of the scalar
// otherwise (then .x is the element), so both paths stay valid WGSL whichever alias is set.
fn loadA(i: u32) -> vec4<f32> {
  return vec4<f32>(vec4<T>(a[i]));
}
// Element i of A (in elements of T, whichever binding type).
fn aElem(i: u32) -> f32 {
  if (VEC_A) { return loadA(i / 4u)[i % 4u]; }
  return loadA(i).x;
}
fn loadB(i: u32) -> vec4<f32> {
  return vec4<f32>(vec4<T>(b[i]));
}

fn stageA(lid: u32, aBase: u32, m0: u32, k0: u32) {
  if (VEC_A) {
    for (var e = lid; e < BM * BK / 4u; e += WG) {
      let m = e / (BK / 4u);
      let kq = (e - m * (BK / 4u)) * 4u;
      var v = vec4<f32>(0.0);
      if (m0 + m < p.M && k0 + kq < p.K) {
        v = loadA((aBase + (m0 + m) * p.aRS + k0 + kq) / 4u);
        if (LN_A) {
          let g = vec4<f32>(f32(lnw[k0 + kq]), f32(lnw[k0 + kq + 1u]), f32(lnw[k0 + kq + 2u]), f32(lnw[k0 + kq + 3u]));
          let h = vec4<f32>(f32(lnb[k0 + kq]), f32(lnb[k0 + kq + 1u]), f32(lnb[k0 + kq + 2u]), f32(lnb[k0 + kq + 3u]));
          v = (v - lnMu[m]) * lnRs[m] * g + h;
        }
      }
      As[kq * BM + m] = v.x;
      As[(kq + 1u) * BM + m] = v.y;
      As[(kq + 2u) * BM + m] = v.z;
      As[(kq + 3u) * BM + m] = v.w;
    }
  } else {
    for (var e = lid; e < BM * BK; e += WG) {
      let m = e / BK;
      let kk = e - m * BK;
      var v = 0.0;
      if (m0 + m < p.M && k0 + kk < p.K) {
        v = loadA(aBase + (m0 + m) * p.aRS + k0 + kk).x;
        if (LN_A) { v = (v - lnMu[m]) * lnRs[m] * f32(lnw[k0 + kk]) + f32(lnb[k0 + kk]); }
      }
      As[kk * BM + m] = v;
    }
  }
}

fn stageB(lid: u32, bBase: u32, n0: u32, k0: u32) {
  if (VEC_B) {
    for (var e = lid; e < BK * BN4; e += WG) {
      let kk = e / BN4;
      let nq = e - kk * BN4;
      var v = vec4<f32>(0.0);
      if (k0 + kk < p.K && n0 + nq * 4u < p.N) { v = loadB((bBase + (k0 + kk) * p.bKS + n0 + nq * 4u) / 4u); }
      Bs[kk * BN4 + nq] = v;
    }
  } else {
    for (var e = lid; e < BK * BN; e += WG) {
      var kk: u32;
      var n: u32;
      if (B_KFAST) {
        n = e / BK;
        kk = e - n * BK;
      } else {
        kk = e / BN;
        n = e - kk * BN;
      }
      var v = 0.0;
      if (k0 + kk < p.K && n0 + n < p.N) { v = loadB(bBase + (k0 + kk) * p.bKS + (n0 + n) * p.bNS).x; }
      Bs[kk * BN4 + n / 4u][n % 4u] = v;
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  // Uniform per workgroup, so the barriers below stay in uniform control flow.
  let tile = wid.y * nwg.x + wid.x;
  if (tile >= p.total) { return; }
  let bi = tile / p.tilesMN;
  let r = tile - bi * p.tilesMN;
  let tn = r / p.tilesM;
  let m0 = (r - tn * p.tilesM) * BM;
  let n0 = tn * BN;
  let tx = lid % TX;
  let ty = lid / TX;
  let aBase = p.aOff + batchAt(bi, p.aBS, p.aIS);
  let bBase = p.bOff + batchAt(bi, p.bBS, p.bIS);

  if (LN_A) {
    // One invocation per tile row (rows past M get harmless stats of row M-1), two passes over K as layernorm.wgsl.
    for (var m = lid; m < BM; m += WG) {
      let rowBase = aBase + min(m0 + m, p.M - 1u) * p.aRS;
      var s = 0.0;
      for (var k = 0u; k < p.K; k++) { s += aElem(rowBase + k); }
      let mean = s / f32(p.K);
      var q = 0.0;
      for (var k = 0u; k < p.K; k++) {
        let d = aElem(rowBase + k) - mean;
        q += d * d;
      }
      lnMu[m] = mean;
      lnRs[m] = inverseSqrt(q / f32(p.K) + p.eps);
    }
    workgroupBarrier();
  }

  var acc: array<array<vec4<f32>, TN4>, TM>;
  for (var k0 = 0u; k0 < p.K; k0 += BK) {
    stageA(lid, aBase, m0, k0);
    stageB(lid, bBase, n0, k0);
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      var bv: array<vec4<f32>, TN4>;
      for (var j = 0u; j < TN4; j++) { bv[j] = Bs[kk * BN4 + j * TX + tx]; }
      for (var i = 0u; i < TM; i++) {
        let av = vec4<f32>(As[kk * BM + i * TY + ty]);
        for (var j = 0u; j < TN4; j++) { acc[i][j] = fma(av, bv[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }

  // As in the lane kernel, the epilogue is a rolled loop over a scratch copy: unrolled with an erf per element,
  // pipeline compiles on software adapters took seconds. p.pad0 is always 0: a step the compiler cannot see
  // keeps the loop rolled.
  var pre: array<vec4<f32>, TM * TN4>;
  for (var i = 0u; i < TM; i++) {
    for (var j = 0u; j < TN4; j++) { pre[i * TN4 + j] = acc[i][j]; }
  }
  let oBase = p.oOff + batchAt(bi, p.oBS, p.oIS);
  for (var e = 0u; e < TM * TN; e += 1u + p.pad0) {
    let i = e / TN;
    let c = e - i * TN;
    let m = m0 + i * TY + ty;
    let n = n0 + ((c / 4u) * TX + tx) * 4u + c % 4u;
    if (m < p.M && n < p.N) {
      var v = p.alpha * pre[i * TN4 + c / 4u][c % 4u];
      if (HAS_BIAS) { v += f32(bias[n]); }
      v = activate(v);
      let o = oBase + m * p.oRS + n;
      if (HAS_RES) { v += f32(res[o]); }
      out[o] = T(v);
    }
  }
}
