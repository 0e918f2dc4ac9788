/** float64 CPU twins of ops/concat and ops/slice, written per element over a multi-index. */
function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = i % shape[a];
    i = Math.floor(i / shape[a]);
  }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  return idx.reduce((off, v, a) => off * shape[a] + v, 0);
}

export function concatRef(xs: ArrayLike<number>[], shapes: readonly (readonly number[])[], axis: number): Float64Array {
  const ax = axis < 0 ? axis + shapes[0].length : axis;
  const outShape = shapes[0].slice();
  outShape[ax] = shapes.reduce((n, s) => n + s[ax], 0);
  const n = outShape.reduce((p, d) => p * d, 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, outShape);
    let k = 0;
    while (idx[ax] >= shapes[k][ax]) idx[ax] -= shapes[k++][ax];
    out[i] = xs[k][ravel(idx, shapes[k])];
  }
  return out;
}

export function sliceRef(x: ArrayLike<number>, shape: readonly number[], axis: number, start: number, end: number): Float64Array {
  const ax = axis < 0 ? axis + shape.length : axis;
  const outShape = shape.slice();
  outShape[ax] = end - start;
  const n = outShape.reduce((p, d) => p * d, 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, outShape);
    idx[ax] += start;
    out[i] = x[ravel(idx, shape)];
  }
  return out;
}
