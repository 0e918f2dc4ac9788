import type { Test } from 'tap';
import { compare, type CompareOptions } from './compare.js';

/** One tap assertion: actual within tolerance of expected; on failure the message lists the worst elements. */
export function assertClose(t: Test, actual: ArrayLike<number>, expected: ArrayLike<number>, opts: CompareOptions, what: string): void {
  const r = compare(actual, expected, opts);
  t.ok(r.ok, `${what}: ${r.ok ? r.report.split('\n')[0] : r.report}`);
}
