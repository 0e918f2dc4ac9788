// Each row of the last axis divided by its L2 norm, one workgroup per row.
// HAS_EPS = 0: x / ||x|| exactly as PyTorch's x / x.norm(dim=-1, keepdim=True), so an all-zero row is 0/0 = NaN.
// HAS_EPS = 1: x / max(||x||, eps), as torch.nn.functional.normalize.
alias T = f32;
const WG: u32 = 256u;
const HAS_EPS: u32 = 0u;

// nanBits carries a quiet-NaN pattern: WGSL cannot spell NaN as a constant, and 0.0 / 0.0 is not
// guaranteed to be NaN on every GPU.
struct Params { rows: u32, cols: u32, eps: f32, nanBits: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read_write> out: array<T>;

var<workgroup> red: array<f32, WG>;

fn reduceSum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
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
