import t from 'tap';
import { pad2d, roundToF16, reference, type DType } from '@clearclip/tensor';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';

// Padding copies values and writes a constant: exact in every dtype (-1.25 and 0 are exact in f16; f16 inputs are
// pre-rounded to what the tensor stores).
const exact = { atol: 0, rtol: 0 };
const numel = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

const cases: { shape: number[]; pads: { top: number; bottom: number; left: number; right: number }; value?: number }[] = [
  { shape: [1, 1], pads: { top: 1, bottom: 2, left: 3, right: 4 } },
  { shape: [3, 200, 222], pads: { top: 0, bottom: 0, left: 1, right: 1 } }, // the fixture's 200x222 -> 200x224 crop pad
  { shape: [1, 3, 200, 220], pads: { top: 12, bottom: 12, left: 2, right: 2 }, value: -1.25 },
  { shape: [2, 3, 5, 7], pads: { top: 0, bottom: 0, left: 0, right: 0 } },
  { shape: [4, 1, 17], pads: { top: 5, bottom: 0, left: 0, right: 9 }, value: -1.25 },
  { shape: [2, 0, 3], pads: { top: 1, bottom: 1, left: 0, right: 0 }, value: -1.25 }, // empty input: all padding
];

t.test('pad2d matches the reference', async (t) => {
  const dev = await testDevice();
  for (const dtype of [...(await floatDtypes()), 'i32'] as DType[]) {
    for (const [k, c] of cases.entries()) {
      const u = uniform(numel(c.shape), 30 + k, -3, 3);
      const x = dtype === 'f16' ? roundToF16(u) : dtype === 'i32' ? Int32Array.from(u, (v) => Math.round(v * 1000)) : u;
      const value = dtype === 'i32' ? (c.value === undefined ? undefined : -7) : c.value;
      await dev.scopeAsync(async () => {
        const y = pad2d(dev.tensor(x, c.shape, dtype), c.pads, value);
        const { top, bottom, left, right } = c.pads;
        const want = [...c.shape.slice(0, -2), c.shape.at(-2)! + top + bottom, c.shape.at(-1)! + left + right];
        t.same(y.shape, want);
        const what = `pad2d ${dtype} [${c.shape}] t${top} b${bottom} l${left} r${right} value ${value ?? 'default'}`;
        assertClose(t, await y.read(), reference.pad2dRef(x, c.shape, c.pads, value), { ...exact, shape: want }, what);
      });
    }
  }
});

t.test('the reference itself pads a 1x2 plane as expected', async (t) => {
  const y = reference.pad2dRef([5, 6], [1, 2], { top: 1, bottom: 0, left: 0, right: 1 }, 9);
  t.same(Array.from(y), [9, 9, 9, 5, 6, 9]);
});

t.test('bad pads are rejected naming the op and the shape', async (t) => {
  const dev = await testDevice();
  const x = dev.tensor(new Float32Array(6), [2, 3]);
  t.throws(() => pad2d(x, { top: -1, bottom: 0, left: 0, right: 0 }), /pad2d: pads top -1, bottom 0, left 0, right 0 for \[2, 3\] must be integers >= 0/);
  t.throws(() => pad2d(x, { top: 0, bottom: 0, left: 1.5, right: 0 }), /pad2d: pads top 0, bottom 0, left 1.5, right 0 for \[2, 3\]/);
  t.throws(() => pad2d(dev.tensor(new Float32Array(3), [3]), { top: 1, bottom: 1, left: 1, right: 1 }), /pad2d: needs \[\.\.\., H, W\] \(rank >= 2\), got \[3\]/);
  t.throws(() => pad2d(dev.tensor(new Int32Array(6), [2, 3], 'i32'), { top: 1, bottom: 1, left: 1, right: 1 }, 0.5), /pad2d: value 0.5 cannot be stored in the i32 tensor \[2, 3\]/);
});
