import t from 'tap';
import { concat, slice, roundToF16 } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';

// concat and slice only move elements: tolerance 0 in every dtype (f16 inputs pre-rounded to what is stored).
const exact = { atol: 0, rtol: 0 };
const numel = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

function data(shape: readonly number[], seed: number, dtype: string): Float32Array {
  const x = uniform(numel(shape), seed, -4, 4);
  return dtype === 'f16' ? roundToF16(x) : x;
}

const concatCases: { shapes: number[][]; axis: number }[] = [
  { shapes: [[2, 3, 4], [2, 1, 4], [2, 5, 4]], axis: 1 }, // three tensors along the middle axis
  { shapes: [[1, 64], [196, 64]], axis: 0 }, // CLS row + patch rows
  { shapes: [[3, 7], [3, 1], [3, 9]], axis: -1 },
  { shapes: [[5, 2, 3], [5, 0, 3], [5, 4, 3]], axis: 1 }, // an empty input contributes nothing
  { shapes: [[17]], axis: 0 },
  { shapes: [[2, 3, 300], [2, 3, 257], [2, 3, 1]], axis: 2 },
];

t.test('concat matches the reference', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    for (const [k, c] of concatCases.entries()) {
      const xs = c.shapes.map((s, j) => data(s, 10 * k + j, dtype));
      await dev.scopeAsync(async () => {
        const y = concat(
          xs.map((x, j) => dev.tensor(x, c.shapes[j], dtype)),
          c.axis,
        );
        const ax = c.axis < 0 ? c.axis + c.shapes[0].length : c.axis;
        const want = c.shapes[0].map((d, a) => (a === ax ? c.shapes.reduce((n, s) => n + s[a], 0) : d));
        t.same(y.shape, want, `concat shape [${want}]`);
        const what = `concat ${dtype} ${c.shapes.map((s) => `[${s}]`).join(' ')} axis ${c.axis}`;
        assertClose(t, await y.read(), reference.concatRef(xs, c.shapes, c.axis), { ...exact, shape: want }, what);
      });
    }
  }
});

t.test('the reference itself: concatenating along the middle axis interleaves per leading index', async (t) => {
  // [2,1] and [2,2] along axis 1: rows are [a0, b00, b01] and [a1, b10, b11].
  const y = reference.concatRef([[1, 2], [10, 11, 20, 21]], [[2, 1], [2, 2]], 1);
  t.same(Array.from(y), [1, 10, 11, 2, 20, 21]);
  t.same(Array.from(reference.sliceRef([0, 1, 2, 3, 4, 5], [2, 3], 1, 1, 3)), [1, 2, 4, 5]);
});

const sliceCases: { shape: number[]; axis: number; start: number; end: number }[] = [
  { shape: [197, 64], axis: 0, start: 1, end: 197 }, // drop the CLS row
  { shape: [197, 64], axis: 0, start: 0, end: 1 },
  { shape: [2, 9, 5], axis: 1, start: 3, end: 8 },
  { shape: [2, 9, 5], axis: -1, start: 4, end: 5 },
  { shape: [4, 7, 3, 11], axis: 2, start: 1, end: 1 }, // empty result
  { shape: [1, 1000], axis: 1, start: 333, end: 999 },
  { shape: [5, 5], axis: 0, start: 0, end: 5 },
];

t.test('slice matches the reference', async (t) => {
  const dev = await testDevice();
  for (const dtype of [...(await floatDtypes()), 'i32' as const]) {
    for (const [k, c] of sliceCases.entries()) {
      const x = dtype === 'i32' ? Int32Array.from(uniform(numel(c.shape), k), (v) => Math.round(v * 1e6)) : data(c.shape, 50 + k, dtype);
      await dev.scopeAsync(async () => {
        const y = slice(dev.tensor(x, c.shape, dtype), c.axis, c.start, c.end);
        const want = c.shape.slice();
        want[c.axis < 0 ? c.axis + c.shape.length : c.axis] = c.end - c.start;
        t.same(y.shape, want);
        const what = `slice ${dtype} [${c.shape}] axis ${c.axis} [${c.start}, ${c.end})`;
        assertClose(t, await y.read(), reference.sliceRef(x, c.shape, c.axis, c.start, c.end), { ...exact, shape: want }, what);
      });
    }
  }
});

t.test('slicing a concatenation gives the parts back', async (t) => {
  const dev = await testDevice();
  const a = uniform(3 * 4 * 5, 1);
  const b = uniform(3 * 2 * 5, 2);
  await dev.scopeAsync(async () => {
    const c = concat([dev.tensor(a, [3, 4, 5]), dev.tensor(b, [3, 2, 5])], 1);
    assertClose(t, await slice(c, 1, 0, 4).read(), a, exact, 'first part');
    assertClose(t, await slice(c, 1, 4, 6).read(), b, exact, 'second part');
  });
});

t.test('bad inputs are rejected naming the op and the shapes', async (t) => {
  const dev = await testDevice();
  const x = dev.tensor(new Float32Array(24), [2, 3, 4]);
  t.throws(() => slice(x, 1, 0, 4), /slice: \[0, 4\) is out of range for axis 1 of size 3 in \[2, 3, 4\]/);
  t.throws(() => slice(x, 1, 2, 1), /slice: \[2, 1\) is out of range for axis 1 of size 3/);
  t.throws(() => slice(x, 0, -1, 1), /slice: \[-1, 1\) is out of range for axis 0 of size 2/);
  t.throws(() => slice(x, 2, 0.5, 2), /slice: \[0.5, 2\) is out of range/);
  t.throws(() => slice(x, 3, 0, 1), /slice of \[2, 3, 4\]: axis 3 out of range for rank 3/);
  t.throws(() => concat([x, dev.tensor(new Float32Array(10), [2, 5, 1])], 1), /concat: input 1 \[2, 5, 1\] f32 does not match input 0 \[2, 3, 4\] f32/);
  t.throws(() => concat([x, dev.tensor(new Float32Array(12), [2, 3, 2])], 1), /concat: input 1 \[2, 3, 2\]/);
  t.throws(() => concat([x, dev.tensor(new Int32Array(24), [2, 3, 4], 'i32')], 0), /concat: input 1 \[2, 3, 4\] i32 does not match input 0 \[2, 3, 4\] f32/);
  t.throws(() => concat([x, dev.tensor(new Float32Array(6), [2, 3])], 0), /concat: input 1 \[2, 3\]/);
  t.throws(() => concat([], 0), /concat: needs at least one tensor/);
  t.throws(() => concat([x], -4), /concat of \[2, 3, 4\]: axis -4 out of range for rank 3/);
});
