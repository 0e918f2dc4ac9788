// out[i] = a[i] (op) b[i % nb], computed in f32 whatever T is.
// b repeats over a's leading dimensions (nb divides n), which covers same-shape operands, biases and
// position tables. OP 2 (scale) ignores b: out = a * alpha + beta.
alias T = f32;
const OP: u32 = 0u; // 0 add, 1 mul, 2 scale

struct Params { n: u32, nb: u32, alpha: f32, beta: f32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<T>;
@group(0) @binding(2) var<storage, read> b: array<T>;
@group(0) @binding(3) var<storage, read_write> out: array<T>;

fn perInvocation(i: u32) {
  if (i >= p.n) { return; }
  let x = f32(a[i]);
  var r: f32;
  if (OP == 0u) {
    r = x + f32(b[i % p.nb]);
  } else if (OP == 1u) {
    r = x * f32(b[i % p.nb]);
  } else {
    r = x * p.alpha + p.beta;
  }
  out[i] = T(r);
}
