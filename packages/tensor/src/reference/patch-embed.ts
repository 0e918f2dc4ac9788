/**
 * float64 twin of ops/patch-embed: a direct stride-p, kernel-p convolution without bias.
 * image [B, C, H, W], weight [D, C, p, p] -> [B, (H/p)*(W/p), D] token-major.
 */
export function patchEmbedRef(
  image: ArrayLike<number>,
  imageShape: readonly [number, number, number, number],
  weight: ArrayLike<number>,
  D: number,
  p: number,
): Float64Array {
  const [B, C, H, W] = imageShape;
  const gh = H / p;
  const gw = W / p;
  const T = gh * gw;
  const K = C * p * p;
  const out = new Float64Array(B * T * D);
  const patch = new Float64Array(K);
  for (let b = 0; b < B; b++) {
    for (let ty = 0; ty < gh; ty++) {
      for (let tx = 0; tx < gw; tx++) {
        for (let c = 0; c < C; c++)
          for (let ky = 0; ky < p; ky++)
            for (let kx = 0; kx < p; kx++) patch[(c * p + ky) * p + kx] = image[((b * C + c) * H + ty * p + ky) * W + tx * p + kx];
        const o = (b * T + ty * gw + tx) * D;
        for (let d = 0; d < D; d++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += patch[k] * weight[d * K + k];
          out[o + d] = s;
        }
      }
    }
  }
  return out;
}
