/**
 * float64 twin of ops/l2normalize over rows of length `cols`: x / ||x|| (0/0 = NaN for an all-zero row), or
 * x / max(||x||, eps) when eps is given.
 */
export function l2NormalizeRef(x: ArrayLike<number>, cols: number, eps?: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / cols; r++) {
    const o = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[o + j] ** 2;
    const norm = eps === undefined ? Math.sqrt(s) : Math.max(Math.sqrt(s), eps);
    for (let j = 0; j < cols; j++) out[o + j] = x[o + j] / norm;
  }
  return out;
}
