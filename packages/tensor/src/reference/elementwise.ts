/** float64 CPU twins of ops/elementwise. */
export function addRef(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  return Float64Array.from(a, (x, i) => x + b[i % b.length]);
}
