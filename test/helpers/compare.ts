/** Element-wise comparison against a reference, reporting the worst elements with their indices. */
export interface CompareOptions {
  /** Allowed |a - e| <= atol + rtol * |e|; atol is one number or one per element (a bound from each element's own magnitudes). */
  atol: number | ArrayLike<number>;
  rtol?: number;
  shape?: readonly number[];
  /** How many mismatches to print. */
  show?: number;
}

export interface CompareResult {
  ok: boolean;
  maxAbs: number;
  maxRel: number;
  refMax: number;
  mismatches: number;
  report: string;
}

function unravel(i: number, shape?: readonly number[]): string {
  if (!shape || shape.length === 0) return `${i}`;
  const idx: number[] = [];
  let r = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(r % shape[d]);
    r = Math.floor(r / shape[d]);
  }
  return `[${idx.join(',')}]`;
}

export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, opts: CompareOptions): CompareResult {
  const rtol = opts.rtol ?? 0;
  const atolAt = typeof opts.atol === 'number' ? ((a: number) => () => a)(opts.atol) : ((a: ArrayLike<number>) => (i: number) => a[i])(opts.atol);
  if (actual.length !== expected.length) {
    return { ok: false, maxAbs: Infinity, maxRel: Infinity, refMax: 0, mismatches: Math.max(actual.length, expected.length), report: `length ${actual.length} != expected ${expected.length}` };
  }
  let maxAbs = 0;
  let refMax = 0;
  const bad: { i: number; err: number }[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    refMax = Math.max(refMax, Math.abs(e));
    const err = Math.abs(a - e);
    if (!(err <= atolAt(i) + rtol * Math.abs(e))) bad.push({ i, err: Number.isNaN(err) ? Infinity : err });
    if (!(err <= maxAbs)) maxAbs = Number.isNaN(err) ? Infinity : err;
  }
  bad.sort((x, y) => y.err - x.err);
  const show = bad.slice(0, opts.show ?? 8);
  const lines = show.map(
    ({ i }) => `  at ${unravel(i, opts.shape)}: got ${actual[i]}, want ${expected[i]}, |diff| ${Math.abs(actual[i] - expected[i]).toExponential(3)}, allowed ${(atolAt(i) + rtol * Math.abs(expected[i])).toExponential(3)}`,
  );
  const atolText = typeof opts.atol === 'number' ? `${opts.atol}` : `per element (up to ${Math.max(0, ...Array.from(opts.atol)).toExponential(2)})`;
  const report =
    `max |diff| ${maxAbs.toExponential(3)} (${(maxAbs / (refMax || 1)).toExponential(3)} of max|ref| ${refMax.toExponential(3)}), ` +
    `tolerance atol ${atolText} + rtol ${rtol}; ${bad.length} of ${expected.length} outside` +
    (lines.length ? `\n worst:\n${lines.join('\n')}` : '');
  return { ok: bad.length === 0, maxAbs, maxRel: maxAbs / (refMax || 1), refMax, mismatches: bad.length, report };
}

/** max |ours - ref| / max |ref| (Infinity when the lengths differ): the measure parity compares with its tolerance. */
export function relativeError(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (ours.length !== ref.length) return Infinity;
  let d = 0;
  let m = 0;
  for (let i = 0; i < ref.length; i++) {
    d = Math.max(d, Math.abs(ours[i] - ref[i]));
    m = Math.max(m, Math.abs(ref[i]));
  }
  return d / m;
}
