/** float64 CPU twin of ops/pad2d. */
export function pad2dRef(
  x: ArrayLike<number>,
  shape: readonly number[],
  pads: { top: number; bottom: number; left: number; right: number },
  value = 0,
): Float64Array {
  const h = shape[shape.length - 2];
  const w = shape[shape.length - 1];
  const b = shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const oh = h + pads.top + pads.bottom;
  const ow = w + pads.left + pads.right;
  const out = new Float64Array(b * oh * ow).fill(value);
  for (let k = 0; k < b; k++)
    for (let y = 0; y < h; y++)
      for (let c = 0; c < w; c++) out[(k * oh + y + pads.top) * ow + c + pads.left] = x[(k * h + y) * w + c];
  return out;
}
