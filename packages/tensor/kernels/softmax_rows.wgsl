// Row softmax of scale * x for short rows: one invocation per row, three serial passes (max, sum, write).
// Workgroup reductions cost barriers and shared-memory traffic that short rows (attention over a few hundred
// tokens, text prompts) do not repay, least of all on CPU-emulated GPUs where a workgroup is a loop.
// The serial sum adds elements in index order, so trailing exact zeros (masked positions) never change it.
alias T = f32;
const LOWEST: f32 = -3.4028234663852886e38;

struct Params { rows: u32, cols: u32, scale: f32, pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read_write> out: array<T>;

fn perInvocation(row: u32) {
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  var m = LOWEST;
  for (var j = 0u; j < p.cols; j++) { m = max(m, p.scale * f32(x[base + j])); }
  var s = 0.0;
  for (var j = 0u; j < p.cols; j++) { s += exp(p.scale * f32(x[base + j]) - m); }
  for (var j = 0u; j < p.cols; j++) { out[base + j] = T(exp(p.scale * f32(x[base + j]) - m) / s); }
}
