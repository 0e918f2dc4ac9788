// Post-processing over query chunks (all queries' logits at once can exceed binding limits for large class sets
// at full resolution). Per pixel it keeps the running softmax statistics of logit_scale * logits, M (max) and
// S (sum of exp(. - M)), and the class of the first query reaching the maximum: with synonyms a class's probability
// is the max over its queries, exp(scale * l_max - M) / S, so the argmax class is the class of the largest logit.
// The FINAL chunk writes pred, with class 0 where the best probability 1 / S is below prob_thd (strict <).
const FINAL: u32 = 0u;

struct Params { q: u32, n: u32, first: u32, _pad: u32, scale: f32, thd: f32, _p1: f32, _p2: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;     // [q, n] this chunk's queries
@group(0) @binding(2) var<storage, read> qclass: array<i32>;     // [q] class of each query in this chunk
@group(0) @binding(3) var<storage, read_write> stats: array<f32>; // [2, n]: M, S
@group(0) @binding(4) var<storage, read_write> best: array<i32>;  // [n] best class so far, then pred

fn perInvocation(i: u32) {
  if (i >= p.n) { return; }
  var m = -3.0e38;
  var arg = 0;
  for (var k = 0u; k < p.q; k++) {
    let v = p.scale * logits[k * p.n + i];
    if (v > m) { m = v; arg = qclass[k]; }
  }
  var M = m;
  var S = 0.0;
  var cls = arg;
  if (p.first > 0u) {
    let m0 = stats[i];
    if (m0 >= m) { M = m0; cls = best[i]; }
    S = stats[p.n + i] * exp(m0 - M);
  }
  for (var k = 0u; k < p.q; k++) { S += exp(p.scale * logits[k * p.n + i] - M); }
  stats[i] = M;
  stats[p.n + i] = S;
  if (FINAL == 1u && 1.0 / S < p.thd) { cls = 0; }
  best[i] = cls;
}
