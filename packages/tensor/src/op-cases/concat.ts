import { concat } from '../ops/concat.js';
import { slice } from '../ops/slice.js';
import { concatRef, sliceRef } from '../reference/concat.js';
import { COPY_DTYPES, FLOAT_DTYPES, hostInput, numel, uniform } from './data.js';
import { EXACT } from './exact.js';
import type { HostInput, OpCase } from './types.js';

function concatCase(shapes: number[][], axis: number, seed0: number): OpCase {
  const ax = axis < 0 ? axis + shapes[0].length : axis;
  return {
    op: 'concat',
    label: `${shapes.map((s) => `[${s}]`).join(' ')} axis ${axis}`,
    purpose: 'test',
    params: { axis },
    dtypes: FLOAT_DTYPES,
    setup(dtype, seed = seed0) {
      const xs = shapes.map((s, j) => hostInput(`x${j}`, s, dtype, seed + j, -4, 4));
      return {
        inputs: xs,
        outShape: shapes[0].map((d, a) => (a === ax ? shapes.reduce((n, s) => n + s[a], 0) : d)),
        run: (ts) => concat(ts, axis),
        reference: () => ({ expected: concatRef(xs.map((x) => x.data), shapes, axis), ...EXACT }),
      };
    },
  };
}

export const concatCases: OpCase[] = [
  { shapes: [[2, 3, 4], [2, 1, 4], [2, 5, 4]], axis: 1 }, // three tensors along the middle axis
  { shapes: [[1, 64], [196, 64]], axis: 0 }, // CLS row + patch rows
  { shapes: [[3, 7], [3, 1], [3, 9]], axis: -1 },
  { shapes: [[5, 2, 3], [5, 0, 3], [5, 4, 3]], axis: 1 }, // an empty input contributes nothing
  { shapes: [[17]], axis: 0 },
  { shapes: [[2, 3, 300], [2, 3, 257], [2, 3, 1]], axis: 2 },
].map((c, k) => concatCase(c.shapes, c.axis, 10 * k));

function sliceCase(shape: number[], axis: number, start: number, end: number, k: number): OpCase {
  const outShape = shape.slice();
  outShape[axis < 0 ? axis + shape.length : axis] = end - start;
  return {
    op: 'slice',
    label: `[${shape}] axis ${axis} [${start}, ${end})`,
    purpose: 'test',
    params: { axis, start, end },
    dtypes: COPY_DTYPES,
    setup(dtype, seed) {
      // i32 values: large integers, so that a wrong element cannot pass by being a rounded neighbour.
      const x: HostInput =
        dtype === 'i32'
          ? { name: 'x', shape, dtype, data: Int32Array.from(uniform(numel(shape), seed ?? k), (v) => Math.round(v * 1e6)) }
          : hostInput('x', shape, dtype, seed ?? 50 + k, -4, 4);
      return {
        inputs: [x],
        outShape,
        run: ([tx]) => slice(tx, axis, start, end),
        reference: () => ({ expected: sliceRef(x.data, shape, axis, start, end), ...EXACT }),
      };
    },
  };
}

export const sliceCases: OpCase[] = [
  { shape: [197, 64], axis: 0, start: 1, end: 197 }, // drop the CLS row
  { shape: [197, 64], axis: 0, start: 0, end: 1 },
  { shape: [2, 9, 5], axis: 1, start: 3, end: 8 },
  { shape: [2, 9, 5], axis: -1, start: 4, end: 5 },
  { shape: [4, 7, 3, 11], axis: 2, start: 1, end: 1 }, // empty result
  { shape: [1, 1000], axis: 1, start: 333, end: 999 },
  { shape: [5, 5], axis: 0, start: 0, end: 5 },
].map((c, k) => sliceCase(c.shape, c.axis, c.start, c.end, k));
