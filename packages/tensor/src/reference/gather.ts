/** float64 twin of ops/gather: rows of a row-major [rows, width] table. */
export function gatherRowsRef(table: ArrayLike<number>, width: number, indices: ArrayLike<number>): Float64Array {
  const out = new Float64Array(indices.length * width);
  for (let r = 0; r < indices.length; r++) for (let c = 0; c < width; c++) out[r * width + c] = table[indices[r] * width + c];
  return out;
}
