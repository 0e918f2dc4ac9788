// out[i] = a[i] + b[i % nb], computed in f32 whatever T is.
// b repeats over a's leading dimensions (nb divides n), which covers same-shape operands, biases and
// position tables.
alias T = f32;

struct Params { n: u32, nb: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<T>;
@group(0) @binding(2) var<storage, read> b: array<T>;
@group(0) @binding(3) var<storage, read_write> out: array<T>;

fn perInvocation(i: u32) {
  if (i >= p.n) { return; }
  out[i] = T(f32(a[i]) + f32(b[i % p.nb]));
}
