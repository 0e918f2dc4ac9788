// Each row of the last axis divided by its L2 norm, one workgroup per row.
// HAS_EPS = 0: x / ||x|| exactly as PyTorch's x / x.norm(dim=-1, keepdim=True), so an all-zero row is 0/0 = NaN.
// HAS_EPS = 1: x / max(||x||, eps), as torch.nn.functional.normalize.
alias T = f32;
const HAS_EPS: u32 = 0u;

// nanBits carries a quiet-NaN pattern: WGSL cannot spell NaN as a constant, and 0.0 / 0.0 is not
// guaranteed to be NaN on every GPU.
struct Params { rows: u32, cols: u32, eps: f32, nanBits: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read_write> out: array<T>;

// #include reduce

fn perWorkgroup(row: u32, lid: u32) {
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  var s = 0.0;
  for (var j = lid; j < p.cols; j += WG) {
    let v = f32(x[base + j]);
    s += v * v;
  }
  var norm = sqrt(reduceSum(s, lid));
  if (HAS_EPS == 1u) { norm = max(norm, p.eps); }
  for (var j = lid; j < p.cols; j += WG) {
    let v = f32(x[base + j]);
    var r = v / norm;
    if (norm == 0.0) {
      // 0 / 0 (x is all zeros here): NaN, as PyTorch.
      r = bitcast<f32>(p.nanBits);
    }
    out[base + j] = T(r);
  }
}
