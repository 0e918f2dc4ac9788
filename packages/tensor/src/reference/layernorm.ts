/** float64 twin of ops/layernorm over rows of length gamma.length, biased variance (PyTorch). */
export function layerNormRef(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps = 1e-5): Float64Array {
  const cols = gamma.length;
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / cols; r++) {
    const o = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[o + j];
    const mean = s / cols;
    let q = 0;
    for (let j = 0; j < cols; j++) q += (x[o + j] - mean) ** 2;
    const rstd = 1 / Math.sqrt(q / cols + eps);
    for (let j = 0; j < cols; j++) out[o + j] = (x[o + j] - mean) * rstd * gamma[j] + beta[j];
  }
  return out;
}
