// Per-class probabilities for one chunk of whole classes, once the softmax statistics of all queries are known:
// P(class) = max over its queries of exp(scale * l - M) / S.

struct Params { q: u32, n: u32, c: u32, _pad: u32, scale: f32, _p0: f32, _p1: f32, _p2: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;  // [q, n]
@group(0) @binding(2) var<storage, read> ranges: array<u32>;  // [c, 2] chunk-local query range per class
@group(0) @binding(3) var<storage, read> stats: array<f32>;   // [2, n]
@group(0) @binding(4) var<storage, read_write> probs: array<f32>; // [c, n]

fn perInvocation(i: u32) {
  if (i >= p.n * p.c) { return; }
  let c = i / p.n;
  let j = i % p.n;
  var best = 0.0;
  for (var k = ranges[2u * c]; k < ranges[2u * c + 1u]; k++) {
    best = max(best, exp(p.scale * logits[k * p.n + j] - stats[j]) / stats[p.n + j]);
  }
  probs[i] = best;
}
