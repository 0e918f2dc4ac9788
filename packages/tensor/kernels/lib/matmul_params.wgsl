// The uniform block of every matmul variant (lane, tiled, subgroup), packed by ops/matmul.ts. Addressing in
// elements of T: A[b][m][k] = a[aOff + batchAt(b, aBS, aIS) + m*aRS + k], B[b][k][n] = b[bOff + batchAt(b, bBS, bIS) +
// k*bKS + n*bNS], out / res at [oOff + batchAt(b, oBS, oIS) + m*oRS + n]. The batch index splits as (item, head) =
// (b / heads, b % heads) and batchAt(b, S, H) = item*S + head*H: attention's heads of several items are read and
// written in place inside their [items, L, 3W] / [items, L, W] buffers (heads = 1 is a plain batch with stride S).
// eps is the LN_A layer norm's epsilon; pad0 and pad1 are always 0. Pulled in by `// #include matmul_params`.
struct Params {
  M: u32, N: u32, K: u32, tilesM: u32,
  tilesMN: u32, total: u32, alpha: f32, pad0: u32,
  aOff: u32, aBS: u32, aRS: u32, eps: f32,
  bOff: u32, bBS: u32, bKS: u32, bNS: u32,
  oOff: u32, oBS: u32, oRS: u32, heads: u32,
  aIS: u32, bIS: u32, oIS: u32, pad1: u32,
}

// Offset of batch entry b in a view with item stride S and head stride H (see above).
fn batchAt(b: u32, S: u32, H: u32) -> u32 {
  let item = b / p.heads;
  return item * S + (b - item * p.heads) * H;
}
