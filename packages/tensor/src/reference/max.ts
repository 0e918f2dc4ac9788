/**
 * float64 twins of ops/max along `axis` of a row-major tensor of `shape`: the first maximum wins ties, the first
 * NaN wins over everything (torch.argmax / numpy.argmax semantics).
 */
function reduceRef(x: ArrayLike<number>, shape: readonly number[], axis: number): { value: Float64Array; index: Int32Array } {
  const len = shape[axis];
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const value = new Float64Array(outer * inner);
  const index = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = -Infinity;
      let bi = -1;
      for (let j = 0; j < len; j++) {
        const v = x[(o * len + j) * inner + i];
        if (Number.isNaN(v)) {
          best = v;
          bi = j;
          break;
        }
        if (bi < 0 || v > best) {
          best = v;
          bi = j;
        }
      }
      value[o * inner + i] = best;
      index[o * inner + i] = bi;
    }
  }
  return { value, index };
}

export function argmaxRef(x: ArrayLike<number>, shape: readonly number[], axis: number): Int32Array {
  return reduceRef(x, shape, axis).index;
}

export function maxRef(x: ArrayLike<number>, shape: readonly number[], axis: number): Float64Array {
  return reduceRef(x, shape, axis).value;
}
