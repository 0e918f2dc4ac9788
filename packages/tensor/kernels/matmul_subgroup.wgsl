// Batched, strided matmul with a fused epilogue that shares A across a subgroup (WGSL `subgroups`).
// Same contract, uniforms and bindings as matmul.wgsl (the lane kernel):
//   out[b][m][n] = act(alpha * sum_k A[b][m][k] * B[b][k][n] + bias[n]) + res[b][m][n]
//   A[b][m][k] = a[aOff + batchAt(b, aBS, aIS) + m*aRS + k];  B[b][k][n] = b[bOff + batchAt(b, bBS, bIS) + k*bKS + n*bNS];  out/res at [oOff + batchAt(b, oBS, oIS) + m*oRS + n]
//
// The tile is the lane kernel's: a workgroup of WG lanes covers TM rows x WG*TN4*4 columns, each lane TM rows x
// TN4 vec4 column groups in registers, no workgroup memory and no barriers. Every lane of a workgroup needs the same
// A values; the lane kernel has each lane load them (uniform loads). Here the lanes of a subgroup load A together
// instead: per row, lane l loads k0 + l (VEC_A: the vec4 at k0 + 4l, so a subgroup of S lanes fetches 4S
// consecutive k with one contiguous load), and the K loop takes each value from its owner with subgroupShuffle
// (the index is uniform, a broadcast). That is S (or 4S) k steps per A load instead of one: fewer, contiguous
// loads of A, which GPUs reward; on CPU adapters the shuffle is a register permute.
//
// Correctness needs whole subgroups (a shuffle from an inactive lane is undefined): the variant is offered only
// where WG is a multiple of the adapter's largest subgroup size (ops/matmul-subgroup.ts). The subgroup size itself
// is read at run time (subgroup_size), so one pipeline serves any size. Values are shuffled as f32 whatever the
// storage type T (f16 shuffles would need the subgroups-f16 feature); accumulation is f32.
enable subgroups;
alias T = f32;
alias AV = f32;             // element of the a binding: T, or vec4<T> when VEC_A
alias BV = f32;             // element of the b binding: T, or vec4<T> when VEC_B
const VEC_A: bool = false;  // A rows contiguous, K % 4 == 0 and every offset/stride 4-aligned: vec4 loads along k
const VEC_B: bool = false;  // B rows contiguous (not transposed), N % 4 == 0, 4-aligned: vec4 loads along n
const ACT: u32 = 0u;        // 0 none, 1 GELU (exact, erf), 2 QuickGELU x*sigmoid(1.702x)
const HAS_BIAS: bool = false;
const HAS_RES: bool = false;
const LN_A: bool = false;   // never set here: the op does not offer this kernel for layer-normalised A
// Injected by the descriptor: WG (lanes per workgroup), TM (rows per tile), TN4 (vec4 column groups per lane).
const BN: u32 = WG * TN4 * 4u;

// #include matmul_params

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<AV>;
@group(0) @binding(2) var<storage, read> b: array<BV>;
@group(0) @binding(3) var<storage, read> bias: array<T>;
@group(0) @binding(4) var<storage, read> res: array<T>;
// Bindings 5 and 6 (layer-norm weight and bias of A's rows) exist in the shared layout; this kernel has no LN_A
// (the op offers it only for plain A).
@group(0) @binding(7) var<storage, read_write> out: array<T>;

// #include activation

// a[i] / b[i] widened to vec4<f32>: the vec4 itself when the binding holds vec4<T>, a splat of the scalar
// otherwise (then .x is the element), so both paths stay valid WGSL whichever alias is set.
fn loadA(i: u32) -> vec4<f32> {
  return vec4<f32>(vec4<T>(a[i]));
}
fn loadB(i: u32) -> vec4<f32> {
  return vec4<f32>(vec4<T>(b[i]));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lx: u32,
        @builtin(subgroup_invocation_id) sl: u32, @builtin(subgroup_size) ss: u32) {
  // Uniform per workgroup, so every subgroup operation below is reached by whole subgroups.
  let tile = wid.y * nwg.x + wid.x;
  if (tile >= p.total) { return; }
  let bi = tile / p.tilesMN;
  let r = tile - bi * p.tilesMN;
  let tn = r / p.tilesM;
  let m0 = (r - tn * p.tilesM) * TM;
  let n0 = tn * BN + lx * (TN4 * 4u);

  // Row starts of A (VEC_A: in vec4 units), rows past the edge clamped onto the last real one (never written).
  var aRow: array<u32, TM>;
  for (var i = 0u; i < TM; i++) {
    let e = p.aOff + batchAt(bi, p.aBS, p.aIS) + min(m0 + i, p.M - 1u) * p.aRS;
    aRow[i] = select(e, e / 4u, VEC_A);
  }
  // Per-lane B offsets of each column (VEC_B: of each vec4, in vec4 units), as in the lane kernel.
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

  var acc: array<array<vec4<f32>, TN4>, TM>;
  if (VEC_A) {
    // K % 4 == 0: each lane loads the vec4 of 4 consecutive k; a chunk is 4 * ss k steps.
    let K4 = p.K / 4u;
    for (var q0 = 0u; q0 < K4; q0 += ss) {
      var aReg: array<vec4<f32>, TM>;
      let ql = min(q0 + sl, K4 - 1u); // lanes past the end load a real element that no step uses
      for (var i = 0u; i < TM; i++) { aReg[i] = loadA(aRow[i] + ql); }
      let nq = min(ss, K4 - q0);
      for (var q = 0u; q < nq; q++) {
        var a4: array<vec4<f32>, TM>;
        for (var i = 0u; i < TM; i++) { a4[i] = subgroupShuffle(aReg[i], q); }
        for (var c = 0u; c < 4u; c++) {
          let k = (q0 + q) * 4u + c;
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
          for (var i = 0u; i < TM; i++) {
            let av = vec4<f32>(a4[i][c]);
            for (var j = 0u; j < TN4; j++) { acc[i][j] = fma(av, bv[j], acc[i][j]); }
          }
        }
      }
    }
  } else {
    for (var k0 = 0u; k0 < p.K; k0 += ss) {
      var aReg: array<f32, TM>;
      let kl = min(k0 + sl, p.K - 1u);
      for (var i = 0u; i < TM; i++) { aReg[i] = loadA(aRow[i] + kl).x; }
      let nk = min(ss, p.K - k0);
      for (var kk = 0u; kk < nk; kk++) {
        let k = k0 + kk;
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
        for (var i = 0u; i < TM; i++) {
          let av = vec4<f32>(subgroupShuffle(aReg[i], kk));
          for (var j = 0u; j < TN4; j++) { acc[i][j] = fma(av, bv[j], acc[i][j]); }
        }
      }
    }
  }

  // The lane kernel's epilogue: a rolled loop over a scratch copy (unrolled, an erf per element made software
  // pipeline compiles take seconds).
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
