// Sliding-window merge with the window upsampling fused in. For output logit (q, y, x) of the image, every window
// covering the pixel contributes its low-resolution logit map bilinearly upsampled (PyTorch align_corners=False,
// output size = padded window size) at the pixel's position inside the padded window. Windows arrive in batches:
// batch sums accumulate in `out`; the last batch divides by the number of covering windows (over all batches).
// Building the [win, q, padH, padW] upsampled tensor is avoided: with many classes it exceeds binding limits.

struct Params {
  q: u32, h: u32, w: u32, total: u32,      // queries, image size, windows in the whole pass
  first: u32, nb: u32, winH: u32, winW: u32, // this batch's windows [first, first + nb); window size in pixels
  gh: u32, gw: u32, padH: u32, padW: u32,    // low-res token grid and padded window size
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> win: array<f32>;    // [nb, q, gh, gw]
@group(0) @binding(2) var<storage, read> boxes: array<i32>;  // [total, 4]: y1, x1, pad top, pad left
@group(0) @binding(3) var<storage, read_write> out: array<f32>; // [q, h, w]

// PyTorch's source index for linear modes: scale * (dst + 0.5) - 0.5, clamped below at 0.
fn src_index(dst: u32, inSize: u32, outSize: u32) -> vec3f {
  let s = max((f32(dst) + 0.5) * (f32(inSize) / f32(outSize)) - 0.5, 0.0);
  let i0 = min(u32(floor(s)), inSize - 1u);
  let i1 = min(i0 + 1u, inSize - 1u);
  return vec3f(f32(i0), f32(i1), s - f32(i0));
}

fn perInvocation(i: u32) {
  if (i >= p.q * p.h * p.w) { return; }
  let x = i32(i % p.w);
  let y = i32((i / p.w) % p.h);
  let q = i / (p.w * p.h);
  var sum = 0.0;
  var count = 0.0;
  for (var k = 0u; k < p.total; k++) {
    let dy = y - boxes[4u * k];
    let dx = x - boxes[4u * k + 1u];
    if (dy < 0 || dx < 0 || dy >= i32(p.winH) || dx >= i32(p.winW)) { continue; }
    count += 1.0;
    if (k < p.first || k >= p.first + p.nb) { continue; }
    let ry = src_index(u32(dy + boxes[4u * k + 2u]), p.gh, p.padH);
    let rx = src_index(u32(dx + boxes[4u * k + 3u]), p.gw, p.padW);
    let base = ((k - p.first) * p.q + q) * p.gh * p.gw;
    let r0 = base + u32(ry.x) * p.gw;
    let r1 = base + u32(ry.y) * p.gw;
    let top = win[r0 + u32(rx.x)] * (1.0 - rx.z) + win[r0 + u32(rx.y)] * rx.z;
    let bot = win[r1 + u32(rx.x)] * (1.0 - rx.z) + win[r1 + u32(rx.y)] * rx.z;
    sum += top * (1.0 - ry.z) + bot * ry.z;
  }
  var acc = sum;
  if (p.first > 0u) { acc += out[i]; }
  if (p.first + p.nb == p.total) { acc /= count; }
  out[i] = acc;
}
