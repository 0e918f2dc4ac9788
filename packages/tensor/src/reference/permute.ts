/** float64 CPU twins of ops/permute: plain index arithmetic over the full, uncollapsed shape. */
function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let a = shape.length - 2; a >= 0; a--) s[a] = s[a + 1] * shape[a + 1];
  return s;
}

export function permuteRef(x: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): Float64Array {
  const inStrides = stridesOf(shape);
  const outShape = perm.map((a) => shape[a]);
  const n = outShape.reduce((p, d) => p * d, 1);
  const out = new Float64Array(n);
  const idx = new Array<number>(perm.length).fill(0);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let j = 0; j < perm.length; j++) src += idx[j] * inStrides[perm[j]];
    out[i] = x[src];
    for (let j = perm.length - 1; j >= 0; j--) {
      if (++idx[j] < outShape[j]) break;
      idx[j] = 0;
    }
  }
  return out;
}
