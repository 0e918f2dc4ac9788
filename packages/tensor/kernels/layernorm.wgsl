// LayerNorm over the last axis, one workgroup per row: (x - mean) / sqrt(var + eps) * gamma + beta with the biased
// variance (PyTorch). Two passes (mean, then squared deviations) avoid the cancellation of E[x^2] - E[x]^2.
alias T = f32; // x and out
alias P = f32; // gamma and beta

struct Params { rows: u32, cols: u32, eps: f32, pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read> gamma: array<P>;
@group(0) @binding(3) var<storage, read> beta: array<P>;
@group(0) @binding(4) var<storage, read_write> out: array<T>;

// #include reduce

fn perWorkgroup(row: u32, lid: u32) {
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  let n = f32(p.cols);
  var s = 0.0;
  for (var j = lid; j < p.cols; j += WG) { s += f32(x[base + j]); }
  let mean = reduceSum(s, lid) / n;
  var q = 0.0;
  for (var j = lid; j < p.cols; j += WG) {
    let d = f32(x[base + j]) - mean;
    q += d * d;
  }
  let rstd = inverseSqrt(reduceSum(q, lid) / n + p.eps);
  for (var j = lid; j < p.cols; j += WG) {
    out[base + j] = T((f32(x[base + j]) - mean) * rstd * f32(gamma[j]) + f32(beta[j]));
  }
}
