// Fused attention for one (item, head) per workgroup row of the grid: out = softmax(scale · q kᵀ (+ causal)) · v,
// with an online softmax over tiles of KT keys (running max m and sum l, the accumulator rescaled once per tile),
// so the L x S scores are never written. One invocation per query row: on CPU-emulated GPUs a workgroup is a loop
// and per-row serial work beats reductions; the key/value tile is staged once in workgroup memory for all WG rows.
// Views: element (item, head, row, d) of q sits at qOff + item*qItem + head*qHead + row*qRow + d (k, v, out alike),
// so q, k and v are read straight from a fused [B, L, 3W] projection and out written as [B, L, W].
alias T = f32;
const HD: u32 = 64u;
// WG (query rows per workgroup) and KT (keys per tile) come from the descriptor (ops/attention.ts).
const CAUSAL: bool = false;

// #include attention_views

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<T>;
@group(0) @binding(2) var<storage, read> k: array<T>;
@group(0) @binding(3) var<storage, read> v: array<T>;
@group(0) @binding(4) var<storage, read_write> out: array<T>;

var<workgroup> kt: array<f32, KT * HD>;
var<workgroup> vt: array<f32, KT * HD>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  // x: blocks of WG query rows; y: item * heads + head.
  let item = wid.y / p.heads;
  let head = wid.y % p.heads;
  let row = wid.x * WG + lid;
  let live = row < p.L;
  var qr: array<f32, HD>;
  var acc: array<f32, HD>;
  if (live) {
    let qb = at(p.q, item, head, row);
    for (var d = 0u; d < HD; d++) { qr[d] = p.scale * f32(q[qb + d]); acc[d] = 0.0; }
  }
  var m = LOWEST;
  var l = 0.0;
  // Keys past the last row of this block are masked for every row in it: stop the tile loop there.
  var kEnd = p.S;
  if (CAUSAL) { kEnd = min(p.S, (wid.x + 1u) * WG + p.S - p.L); }
  let lastKey = row + p.S - p.L;
  var s: array<f32, KT>;
  for (var t0 = 0u; t0 < kEnd; t0 += KT) {
    workgroupBarrier();
    for (var e = lid; e < KT * HD; e += WG) {
      let j = t0 + e / HD;
      let d = e % HD;
      if (j < p.S) {
        kt[e] = f32(k[at(p.k, item, head, j) + d]);
        vt[e] = f32(v[at(p.v, item, head, j) + d]);
      }
    }
    workgroupBarrier();
    // No `continue` here: the barriers above must stay in uniform control flow.
    if (live) {
      let n = min(KT, p.S - t0);
      var tm = m;
      for (var j = 0u; j < n; j++) {
        var x = LOWEST;
        if (!CAUSAL || t0 + j <= lastKey) {
          x = 0.0;
          for (var d = 0u; d < HD; d++) { x += qr[d] * kt[j * HD + d]; }
        }
        s[j] = x;
        tm = max(tm, x);
      }
      if (tm > LOWEST) {
        let corr = exp(m - tm);
        l *= corr;
        for (var d = 0u; d < HD; d++) { acc[d] *= corr; }
        for (var j = 0u; j < n; j++) {
          if (s[j] > LOWEST) {
            let e = exp(s[j] - tm);
            l += e;
            for (var d = 0u; d < HD; d++) { acc[d] += e * vt[j * HD + d]; }
          }
        }
        m = tm;
      }
    }
  }
  if (live) {
    let ob = at(p.o, item, head, row);
    for (var d = 0u; d < HD; d++) { out[ob + d] = T(acc[d] / l); }
  }
}
