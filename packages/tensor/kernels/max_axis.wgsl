// Max or argmax over one axis of x viewed as [outer, len, inner]; one invocation per output element, so
// neighbouring invocations read neighbouring memory when inner > 1 (e.g. the class axis of [C, H, W] logits).
// Ties: strict > keeps the FIRST maximum (torch.argmax / numpy.argmax).
// NaN: the first NaN wins, so max is NaN and argmax is its index (torch.max / torch.argmax / numpy.argmax).
alias T = f32; // x
alias O = f32; // out: T for max, i32 for argmax
const ARG: u32 = 0u; // 1: write the index of the maximum instead of its value

struct Params { n: u32, len: u32, inner: u32, pad: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read_write> out: array<O>;

// By bit pattern: compilers may fold v != v away when they assume no NaNs.
fn isNan(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

fn perInvocation(i: u32) {
  if (i >= p.n) { return; }
  let o = i / p.inner;
  let base = o * p.len * p.inner + (i - o * p.inner);
  var best = f32(x[base]);
  var bi = 0u;
  if (!isNan(best)) {
    for (var j = 1u; j < p.len; j++) {
      let v = f32(x[base + j * p.inner]);
      if (isNan(v)) {
        best = v;
        bi = j;
        break;
      }
      if (v > best) {
        best = v;
        bi = j;
      }
    }
  }
  if (ARG == 1u) {
    out[i] = O(i32(bi));
  } else {
    out[i] = O(best);
  }
}
