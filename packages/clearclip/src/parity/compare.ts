/** One line of a parity report. */
export interface ParityRow {
  name: string;
  status: 'pass' | 'fail' | 'input' | 'not computed';
  /** max |ours - ref| (float tensors) or number of differing elements (integer tensors). */
  maxAbs?: number;
  /** maxAbs / max|ref|. */
  rel?: number;
  /** The allowed maxAbs (floats: relative tolerance x max|ref|; integers: allowed differing elements). */
  tol?: number;
  note?: string;
}

export function compareFloat(name: string, ours: ArrayLike<number>, ref: ArrayLike<number>, relTol: number, note?: string): ParityRow {
  if (ours.length !== ref.length) return { name, status: 'fail', note: `length ${ours.length} != reference ${ref.length}` };
  let maxAbs = 0;
  let refMax = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ours[i] - ref[i]);
    maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d);
    refMax = Math.max(refMax, Math.abs(ref[i]));
  }
  const tol = relTol * (refMax || 1);
  return { name, status: maxAbs <= tol ? 'pass' : 'fail', maxAbs, rel: maxAbs / (refMax || 1), tol, note };
}

/** Integer tensors: the number of differing elements must not exceed `allowed`. */
export function compareExact(name: string, ours: ArrayLike<number>, ref: ArrayLike<number>, allowed = 0, note?: string): ParityRow {
  if (ours.length !== ref.length) return { name, status: 'fail', note: `length ${ours.length} != reference ${ref.length}` };
  let diff = 0;
  let first = -1;
  for (let i = 0; i < ref.length; i++) {
    if (ours[i] !== ref[i]) {
      diff++;
      if (first < 0) first = i;
    }
  }
  const where = first >= 0 ? `first difference at element ${first}: ${ours[first]} vs ${ref[first]}` : undefined;
  return { name, status: diff <= allowed ? 'pass' : 'fail', maxAbs: diff, tol: allowed, note: [note, where].filter(Boolean).join('; ') || undefined };
}

export function formatRows(rows: ParityRow[]): string {
  const w = Math.max(...rows.map((r) => r.name.length), 6);
  const num = (x?: number) => (x === undefined ? '-' : Number.isInteger(x) ? String(x) : x.toExponential(2));
  const head = `${'tensor'.padEnd(w)}  ${'max abs'.padStart(9)}  ${'rel'.padStart(9)}  ${'tol'.padStart(9)}  status`;
  const lines = rows.map((r) => `${r.name.padEnd(w)}  ${num(r.maxAbs).padStart(9)}  ${num(r.rel).padStart(9)}  ${num(r.tol).padStart(9)}  ${r.status}${r.note ? `  (${r.note})` : ''}`);
  return [head, ...lines].join('\n');
}
