export type Rgb = [number, number, number];

/**
 * n distinct colours by the PASCAL VOC rule (the bits of the index spread over R, G, B from the high bit down),
 * taken for indices 1..n: VOC's index 0 is black, which would hide a class in the overlay, so class k gets VOC
 * colour k+1. Distinct for n < 2^24; the first few are (128,0,0), (0,128,0), (128,128,0), (0,0,128), ...
 */
export function palette(n: number): Rgb[] {
  if (!Number.isInteger(n) || n < 0 || n >= 1 << 24) throw new Error(`palette: n must be an integer in [0, 2^24), got ${n}`);
  const out: Rgb[] = [];
  for (let k = 1; k <= n; k++) {
    const c: Rgb = [0, 0, 0];
    for (let j = 0, v = k; v > 0; j++, v >>= 3) {
      for (let ch = 0; ch < 3; ch++) c[ch] |= ((v >> ch) & 1) << (7 - j);
    }
    out.push(c);
  }
  return out;
}
