/** float64 CPU twins of ops/matmul. */

export type ActivationRef = 'none' | 'gelu' | 'quickgelu';

/** erf in float64: Maclaurin series below 2.5, the continued fraction of erfc above (both near 1e-15). */
export function erfRef(x: number): number {
  const s = Math.sign(x);
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = 0;
    let term = ax;
    for (let n = 0; n < 200; n++) {
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
      term *= (-ax * ax) / (n + 1);
    }
    return (s * sum * 2) / Math.sqrt(Math.PI);
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail.
  let f = 0;
  for (let k = 80; k >= 1; k--) f = k / 2 / (ax + f);
  return s * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f));
}

export function activationRef(x: number, act: ActivationRef): number {
  switch (act) {
    case 'none':
      return x;
    case 'gelu':
      return 0.5 * x * (1 + erfRef(x / Math.SQRT2));
    case 'quickgelu':
      return x / (1 + Math.exp(-1.702 * x));
  }
}

export interface MatmulRefOptions {
  transposeB?: boolean;
  /** b has its own batch of matrices (else one shared matrix). */
  batchedB?: boolean;
  bias?: ArrayLike<number>;
  activation?: ActivationRef;
  residual?: ArrayLike<number>;
  alpha?: number;
}

/**
 * Dense batched matmul: a is [batch, M, K], b is [K, N] / [N, K] (transposeB), or batch of those (batchedB).
 * Returns [batch, M, N] = act(alpha * a@b + bias) + residual.
 */
export function matmulRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  batch: number,
  M: number,
  K: number,
  N: number,
  opts: MatmulRefOptions = {},
): Float64Array {
  const out = new Float64Array(batch * M * N);
  const alpha = opts.alpha ?? 1;
  const act = opts.activation ?? 'none';
  const row = new Float64Array(N);
  for (let bi = 0; bi < batch; bi++) {
    const aB = bi * M * K;
    const bB = opts.batchedB ? bi * K * N : 0;
    for (let m = 0; m < M; m++) {
      row.fill(0);
      for (let k = 0; k < K; k++) {
        const av = a[aB + m * K + k];
        if (opts.transposeB) for (let n = 0; n < N; n++) row[n] += av * b[bB + n * K + k];
        else for (let n = 0; n < N; n++) row[n] += av * b[bB + k * N + n];
      }
      const o = (bi * M + m) * N;
      for (let n = 0; n < N; n++) {
        let v = alpha * row[n] + (opts.bias ? opts.bias[n] : 0);
        v = activationRef(v, act);
        out[o + n] = v + (opts.residual ? opts.residual[o + n] : 0);
      }
    }
  }
  return out;
}

/** sum_k |a[m][k]| |b[k][n]| * |alpha|: the scale that bounds a float matmul's rounding error, per output. */
export function matmulAbsRef(a: ArrayLike<number>, b: ArrayLike<number>, batch: number, M: number, K: number, N: number, opts: MatmulRefOptions = {}): Float64Array {
  const abs = (x: ArrayLike<number>) => Float64Array.from(x, Math.abs);
  return matmulRef(abs(a), abs(b), batch, M, K, N, { transposeB: opts.transposeB, batchedB: opts.batchedB, alpha: Math.abs(opts.alpha ?? 1) });
}
