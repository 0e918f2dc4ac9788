// out[i] = x[src(i)] for a permutation of axes. The host collapses the permutation first (size-1 axes dropped,
// input axes that stay adjacent merged), so up to 6 axes remain. Output axes are right-aligned in dims/strides:
// unused leading slots hold dim 1 and stride 0, so the loop below always runs 6 steps without a branch on rank.
alias T = f32;

struct Params {
  n: u32, _pad0: u32, _pad1: u32, _pad2: u32,
  // Output dims, slot k = axis k of the 6 right-aligned axes.
  dims: array<vec4u, 2>,
  // Input element stride of the axis that output slot k reads.
  strides: array<vec4u, 2>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read_write> out: array<T>;

fn perInvocation(i: u32) {
  if (i >= p.n) { return; }
  var rem = i;
  var src = 0u;
  for (var k = 5; k >= 0; k--) {
    let d = p.dims[k / 4][k % 4];
    src += (rem % d) * p.strides[k / 4][k % 4];
    rem /= d;
  }
  out[i] = x[src];
}
