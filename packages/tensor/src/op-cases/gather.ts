import { gatherRows } from '../ops/gather.js';
import { gatherRowsRef } from '../reference/gather.js';
import { FLOAT_DTYPES, hostInput, rng } from './data.js';
import { EXACT } from './exact.js';
import type { OpCase } from './types.js';

function gatherRowsCase(rows: number, width: number, n: number): OpCase {
  return {
    op: 'gatherRows',
    label: `${rows}x${width} <- ${n} rows`,
    purpose: 'test',
    params: { rows, width, n },
    dtypes: FLOAT_DTYPES,
    setup(dtype, seed = rows + width) {
      const table = hostInput('table', [rows, width], dtype, seed, -3, 3);
      // The last row first (the table's far edge), then random rows with repeats.
      const r = rng(n);
      const idx = Array.from({ length: n }, (_, i) => (i === 0 ? rows - 1 : Math.floor(r() * rows)));
      return {
        inputs: [table],
        outShape: [n, width],
        run: ([tt]) => gatherRows(tt, idx),
        reference: () => ({ expected: gatherRowsRef(table.data, width, idx), ...EXACT }),
      };
    },
  };
}

export const gatherRowsCases: OpCase[] = [
  [1, 1, 1],
  [49408 / 16, 37, 77 * 3], // a sixteenth of CLIP's vocabulary, three 77-token prompts
  [5, 300, 2],
].map(([rows, width, n]) => gatherRowsCase(rows, width, n));
