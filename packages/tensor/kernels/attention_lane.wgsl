// Fused attention shaped for CPU-emulated GPUs (lavapipe): out = softmax(scale · q kᵀ (+ causal)) · v per (item, head),
// an online softmax over tiles of KT keys, the L x S scores never written. Same contract, uniforms and bindings as
// attention.wgsl; k and v are bound as vec4 (the op checks HD % 4 == 0 and 4-aligned offsets and strides).
//
// Why a second kernel: lavapipe runs a workgroup's invocations as the lanes of one CPU SIMD register, and a load
// whose address differs between lanes becomes a per-lane loop of scalar loads with a bounds check each, while a
// load whose address is the same for every lane is one load. So here a lane owns one query row (its q and its
// output accumulator in registers, loaded and stored once), and the key/value rows, read at addresses that depend
// only on the workgroup and the key index, are uniform loads straight from the buffers: no workgroup memory, no
// barriers, no per-lane loads in the key loop. Rows past L are computed on a clamped row and never stored, so no
// lane is masked off inside the loops.
alias T = f32;
const HD: u32 = 64u;
const CAUSAL: bool = false;
const D4: u32 = HD / 4u;
// WG (query rows per workgroup) and KT (keys per tile) come from the descriptor (ops/attention.ts).

// #include attention_views

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<T>;
@group(0) @binding(2) var<storage, read> k: array<vec4<T>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<T>>;
@group(0) @binding(4) var<storage, read_write> out: array<T>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let item = wid.y / p.heads;
  let head = wid.y % p.heads;
  let row = wid.x * WG + lid;
  let rowc = min(row, p.L - 1u);
  var qr: array<vec4<f32>, D4>;
  var acc: array<vec4<f32>, D4>;
  let qb = at(p.q, item, head, rowc);
  for (var d = 0u; d < D4; d++) {
    qr[d] = p.scale * vec4<f32>(f32(q[qb + 4u * d]), f32(q[qb + 4u * d + 1u]), f32(q[qb + 4u * d + 2u]), f32(q[qb + 4u * d + 3u]));
    acc[d] = vec4<f32>(0.0);
  }
  var m = LOWEST;
  var l = 0.0;
  // Keys past the last row of this block are masked for every row in it: stop the tile loop there.
  var kEnd = p.S;
  if (CAUSAL) { kEnd = min(p.S, (wid.x + 1u) * WG + p.S - p.L); }
  let lastKey = rowc + p.S - p.L;
  let kBase = at(p.k, item, head, 0u) / 4u;
  let vBase = at(p.v, item, head, 0u) / 4u;
  let kRow = p.k.row / 4u;
  let vRow = p.v.row / 4u;
  for (var t0 = 0u; t0 < kEnd; t0 += KT) {
    var s: array<f32, KT>;
    var tm = m;
    for (var jj = 0u; jj < KT; jj++) {
      let j = t0 + jj;
      let kr = kBase + min(j, p.S - 1u) * kRow;
      var x = 0.0;
      for (var d = 0u; d < D4; d++) { x += dot(qr[d], vec4<f32>(k[kr + d])); }
      let seen = j < kEnd && (!CAUSAL || j <= lastKey);
      s[jj] = select(LOWEST, x, seen);
      tm = max(tm, s[jj]);
    }
    // exp(m - tm) is 0 when nothing was seen before (m = LOWEST) and 1 when nothing is seen yet (both LOWEST).
    let corr = exp(m - tm);
    l *= corr;
    for (var d = 0u; d < D4; d++) { acc[d] *= corr; }
    for (var jj = 0u; jj < KT; jj++) {
      let e = select(0.0, exp(s[jj] - tm), s[jj] > LOWEST);
      l += e;
      let vr = vBase + min(t0 + jj, p.S - 1u) * vRow;
      for (var d = 0u; d < D4; d++) { acc[d] += e * vec4<f32>(v[vr + d]); }
    }
    m = tm;
  }
  if (row < p.L) {
    let ob = at(p.o, item, head, row);
    for (var d = 0u; d < D4; d++) {
      let r = acc[d] / l;
      out[ob + 4u * d] = T(r.x);
      out[ob + 4u * d + 1u] = T(r.y);
      out[ob + 4u * d + 2u] = T(r.z);
      out[ob + 4u * d + 3u] = T(r.w);
    }
  }
}
