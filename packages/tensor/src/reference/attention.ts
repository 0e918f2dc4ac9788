/**
 * float64 twin of ops/attention on dense operands: q [B, L, hd], k and v [B, S, hd] -> [B, L, hd],
 * softmax(scale · q kᵀ (+ causal: query i sees keys j <= i + S - L)) · v.
 */
export function attentionRef(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, B: number, L: number, S: number, hd: number, scale: number, causal = false): Float64Array {
  const out = new Float64Array(B * L * hd);
  const s = new Float64Array(S);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < L; i++) {
      const n = causal ? i + S - L + 1 : S;
      let m = -Infinity;
      for (let j = 0; j < n; j++) {
        let x = 0;
        for (let d = 0; d < hd; d++) x += q[(b * L + i) * hd + d] * k[(b * S + j) * hd + d];
        s[j] = scale * x;
        m = Math.max(m, s[j]);
      }
      let sum = 0;
      for (let j = 0; j < n; j++) sum += (s[j] = Math.exp(s[j] - m));
      for (let j = 0; j < n; j++) for (let d = 0; d < hd; d++) out[(b * L + i) * hd + d] += (s[j] / sum) * v[(b * S + j) * hd + d];
    }
  }
  return out;
}
