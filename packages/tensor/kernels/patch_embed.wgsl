// Patch embedding = Conv2d(C -> D, kernel = stride = P, no bias) as a matmul with the im2col gather fused in:
//   out[b][t][d] = sum_k A[b*T + t][k] * weight[d][k],  k = (c*P + ky)*P + kx,
//   A[b*T + t][k] = image[b][c][ty*P + ky][tx*P + kx],  t = ty*gw + tx.
// Each workgroup computes a 64 x 64 output tile (rows m = b*T + t, columns d); each of its 16 x 16 invocations a
// 4 x 4 block in registers, fed from 16-wide K-slices of A and weight staged in workgroup memory.
// Accumulation is f32 whatever T and WT are.
alias T = f32;  // image and out
alias WT = f32; // weight [D, C, P, P] = [D, K]
const TK: u32 = 16u;
// BM x BN output tile per workgroup of WG x WG_Y invocations: set by the descriptor (ops/patch-embed.ts).

struct Params { M: u32, N: u32, K: u32, tokens: u32, gw: u32, P: u32, imgH: u32, imgW: u32, C: u32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> image: array<T>;
@group(0) @binding(2) var<storage, read> weight: array<WT>;
@group(0) @binding(3) var<storage, read_write> out: array<T>;

var<workgroup> As: array<f32, 1024>; // [TK][BM]
var<workgroup> Bs: array<f32, 1024>; // [TK][BN]

fn loadA(m: u32, k: u32) -> f32 {
  if (m >= p.M || k >= p.K) { return 0.0; }
  let b = m / p.tokens;
  let t = m - b * p.tokens;
  let ty = t / p.gw;
  let tx = t - ty * p.gw;
  let pp = p.P * p.P;
  let c = k / pp;
  let r = k - c * pp;
  let ky = r / p.P;
  let kx = r - ky * p.P;
  let y = ty * p.P + ky;
  let xx = tx * p.P + kx;
  return f32(image[((b * p.C + c) * p.imgH + y) * p.imgW + xx]);
}

fn loadB(n: u32, k: u32) -> f32 {
  if (n >= p.N || k >= p.K) { return 0.0; }
  return f32(weight[n * p.K + k]);
}

@compute @workgroup_size(WG, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid3: vec3u, @builtin(local_invocation_index) li: u32) {
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  var acc: array<f32, 16>;
  for (var k0 = 0u; k0 < p.K; k0 += TK) {
    // 1024 elements per tile, 4 per invocation; consecutive invocations take consecutive k (contiguous in both
    // the weight rows and, within a patch row, the image).
    for (var r = 0u; r < 4u; r++) {
      let e = li + r * 256u;
      let row = e / TK;
      let kk = e - row * TK;
      As[kk * BM + row] = loadA(m0 + row, k0 + kk);
      Bs[kk * BN + row] = loadB(n0 + row, k0 + kk);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var a: array<f32, 4>;
      var bv: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = As[kk * BM + lid3.y + 16u * i];
        bv[i] = Bs[kk * BN + lid3.x + 16u * i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) {
          acc[i * 4u + j] = fma(a[i], bv[j], acc[i * 4u + j]);
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + lid3.y + 16u * i;
    if (m >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + lid3.x + 16u * j;
      if (n < p.N) { out[m * p.N + n] = T(acc[i * 4u + j]); }
    }
  }
}
