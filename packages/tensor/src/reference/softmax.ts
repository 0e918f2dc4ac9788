/** float64 twin of ops/softmax: softmax over rows of length `cols` of scale * x. */
export function softmaxRef(x: ArrayLike<number>, cols: number, scale = 1): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / cols; r++) {
    const o = r * cols;
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, scale * x[o + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(scale * x[o + j] - m);
    for (let j = 0; j < cols; j++) out[o + j] = Math.exp(scale * x[o + j] - m) / s;
  }
  return out;
}
