// Elementwise dtype conversion S -> T through f32 (f16 -> f32 is exact; f32 -> f16 rounds to nearest).
alias S = f32;
alias T = f32;

struct Params { n: u32, pad0: u32, pad1: u32, pad2: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<S>;
@group(0) @binding(2) var<storage, read_write> out: array<T>;

fn perInvocation(i: u32) {
  if (i >= p.n) { return; }
  out[i] = T(f32(x[i]));
}
