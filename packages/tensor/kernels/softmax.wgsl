// Row softmax of scale * x over the last axis: one workgroup per row, f32 arithmetic whatever T is.
// Three strided passes over the row (max, sum of exp, write) keep no row-sized state, so any row length works.
alias T = f32;
// Lowest finite f32: WGSL has no infinity literal. A row of all -inf then gives exp(-inf) / 0 = NaN, as PyTorch.
const LOWEST: f32 = -3.4028234663852886e38;

struct Params { rows: u32, cols: u32, scale: f32, pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read_write> out: array<T>;

// #include reduce

fn perWorkgroup(row: u32, lid: u32) {
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  var m = LOWEST;
  for (var j = lid; j < p.cols; j += WG) { m = max(m, p.scale * f32(x[base + j])); }
  m = reduceMax(m, lid);
  var s = 0.0;
  for (var j = lid; j < p.cols; j += WG) { s += exp(p.scale * f32(x[base + j]) - m); }
  s = reduceSum(s, lid);
  for (var j = lid; j < p.cols; j += WG) { out[base + j] = T(exp(p.scale * f32(x[base + j]) - m) / s); }
}
