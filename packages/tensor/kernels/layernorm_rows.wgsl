// LayerNorm over the last axis for rows up to a few thousand wide: one invocation per row, three serial passes
// (mean, squared deviations, write). Same formula as layernorm.wgsl (biased variance, two-pass); without the
// workgroup reductions whose barriers dominate on CPU-emulated GPUs.
alias T = f32; // x and out
alias P = f32; // gamma and beta

struct Params { rows: u32, cols: u32, eps: f32, pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read> gamma: array<P>;
@group(0) @binding(3) var<storage, read> beta: array<P>;
@group(0) @binding(4) var<storage, read_write> out: array<T>;

fn perInvocation(row: u32) {
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  let n = f32(p.cols);
  var s = 0.0;
  for (var j = 0u; j < p.cols; j++) { s += f32(x[base + j]); }
  let mean = s / n;
  var v = 0.0;
  for (var j = 0u; j < p.cols; j++) { let d = f32(x[base + j]) - mean; v += d * d; }
  let inv = inverseSqrt(v / n + p.eps);
  for (var j = 0u; j < p.cols; j++) {
    out[base + j] = T((f32(x[base + j]) - mean) * inv * f32(gamma[j]) + f32(beta[j]));
  }
}
