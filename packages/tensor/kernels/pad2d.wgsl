// Constant padding of the last two axes: out [B, H + top + bottom, W + left + right] from x [B, H, W]
// (B = product of the leading axes). Positions outside x get `value`, converted to T.
alias T = f32;

struct Params { n: u32, h: u32, w: u32, out_h: u32, out_w: u32, top: u32, left: u32, value: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read_write> out: array<T>;

fn perInvocation(i: u32) {
  if (i >= p.n) { return; }
  let ox = i % p.out_w;
  let t = i / p.out_w;
  let oy = t % p.out_h;
  let b = t / p.out_h;
  // Unsigned wrap-around makes positions left of / above x compare as huge, so one test per axis suffices.
  let ix = ox - p.left;
  let iy = oy - p.top;
  if (ix < p.w && iy < p.h) {
    out[i] = x[(b * p.h + iy) * p.w + ix];
  } else {
    out[i] = T(p.value);
  }
}
