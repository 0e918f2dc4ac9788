// The uniform block of every matmul variant (lane, tiled, subgroup), packed by ops/matmul.ts. Addressing in
// elements of T: A[b][m][k] = a[aOff + b*aBS + m*aRS + k], B[b][k][n] = b[bOff + b*bBS + k*bKS + n*bNS],
// out / res at [oOff + b*oBS + m*oRS + n]; eps is the LN_A layer norm's epsilon; pad0 is always 0. Pulled in by
// `// #include matmul_params`.
struct Params {
  M: u32, N: u32, K: u32, tilesM: u32,
  tilesMN: u32, total: u32, alpha: f32, pad0: u32,
  aOff: u32, aBS: u32, aRS: u32, eps: f32,
  bOff: u32, bBS: u32, bKS: u32, bNS: u32,
  oOff: u32, oBS: u32, oRS: u32, pad2: u32,
}
