// Separable resampling of the last two axes: out[b, oy, ox] = sum_i wy_i * sum_j wx_j * x[b, iy_i, ix_j].
// The host computes, in float64, TAPS source indices (already clamped to the edge) and TAPS weights per output
// row and per output column (TAPS = 2 bilinear, 4 bicubic) and uploads them as one u32 table, weights as f32
// bit patterns: entry e (rows 0..out_h-1, then columns) = [TAPS indices, TAPS weights]. Keeping the coordinate
// maths on the host keeps PyTorch's exact index/weight rules in one readable place and out of f32 rounding.
// The row sum runs first (along x), then the column sum, as PyTorch's CPU kernel does; accumulation is f32.
alias T = f32;
const TAPS: u32 = 4u;

struct Params { n: u32, in_h: u32, in_w: u32, out_h: u32, out_w: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read> tab: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<T>;

fn perInvocation(i: u32) {
  if (i >= p.n) { return; }
  let ox = i % p.out_w;
  let t = i / p.out_w;
  let oy = t % p.out_h;
  let b = t / p.out_h;
  let rowE = oy * 2u * TAPS;
  let colE = (p.out_h + ox) * 2u * TAPS;
  var ix: array<u32, TAPS>;
  var wx: array<f32, TAPS>;
  for (var j = 0u; j < TAPS; j++) {
    ix[j] = tab[colE + j];
    wx[j] = bitcast<f32>(tab[colE + TAPS + j]);
  }
  var acc = 0.0;
  for (var k = 0u; k < TAPS; k++) {
    let base = (b * p.in_h + tab[rowE + k]) * p.in_w;
    var row = 0.0;
    for (var j = 0u; j < TAPS; j++) {
      row += wx[j] * f32(x[base + ix[j]]);
    }
    acc += bitcast<f32>(tab[rowE + TAPS + k]) * row;
  }
  out[i] = T(acc);
}
