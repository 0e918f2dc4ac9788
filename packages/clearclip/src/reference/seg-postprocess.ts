/**
 * float64 twin of the post-processing as upstream writes it (not as the chunked kernels compute it):
 * softmax over all queries of logitScale * logits [Q, N], max over each class's queries, first argmax, prob_thd.
 */
export function segPostprocessRef(logits: ArrayLike<number>, queryClass: number[], n: number, logitScale: number, probThd: number): { probs: Float64Array; pred: Int32Array } {
  const Q = queryClass.length;
  const C = Math.max(...queryClass) + 1;
  const probs = new Float64Array(C * n);
  const pred = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let q = 0; q < Q; q++) m = Math.max(m, logitScale * logits[q * n + i]);
    let s = 0;
    for (let q = 0; q < Q; q++) s += Math.exp(logitScale * logits[q * n + i] - m);
    for (let q = 0; q < Q; q++) {
      const c = queryClass[q];
      probs[c * n + i] = Math.max(probs[c * n + i], Math.exp(logitScale * logits[q * n + i] - m) / s);
    }
    let best = -1;
    for (let c = 0; c < C; c++) if (probs[c * n + i] > best) { best = probs[c * n + i]; pred[i] = c; }
    if (best < probThd) pred[i] = 0;
  }
  return { probs, pred };
}
