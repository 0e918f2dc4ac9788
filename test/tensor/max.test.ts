import t from 'tap';
import { argmax, max, reference } from '@clearclip/tensor';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { rng } from '../helpers/random.js';

// max selects one input element and argmax its index, so both must match the reference exactly (NaN where NaN).
// Values are small integers (exact in f16 too), so every reduction has deliberate ties.
function ints(n: number, seed: number, levels: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.floor(r() * levels) - 2);
}

function sameWithNaN(a: ArrayLike<number>, b: ArrayLike<number>): { ok: boolean; first: string } {
  if (a.length !== b.length) return { ok: false, first: `length ${a.length} vs ${b.length}` };
  for (let i = 0; i < a.length; i++) {
    if (!(Object.is(a[i], b[i]) || a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])))) {
      return { ok: false, first: `at ${i}: got ${a[i]}, want ${b[i]}` };
    }
  }
  return { ok: true, first: '' };
}

const cases: { shape: number[]; axis: number }[] = [
  { shape: [1], axis: 0 },
  { shape: [5], axis: 0 },
  { shape: [4, 1], axis: 1 },
  { shape: [21, 37, 53], axis: 0 }, // the class axis of [C, H, W] logits
  { shape: [21, 37, 53], axis: 1 },
  { shape: [21, 37, 53], axis: -1 },
  { shape: [2, 3, 1000], axis: 2 },
  { shape: [3, 4097], axis: 0 },
  { shape: [300, 257], axis: 1 },
];

t.test('argmax and max match the reference along every axis, first maximum winning ties', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    for (const [k, c] of cases.entries()) {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const x = ints(n, 600 + k, 5);
      const ax = c.axis < 0 ? c.axis + c.shape.length : c.axis;
      const xt = dev.tensor(x, c.shape, dtype);
      const ia = argmax(xt, c.axis);
      const ma = max(xt, c.axis);
      const outShape = c.shape.filter((_, i) => i !== ax);
      t.same([ia.shape, ia.dtype, ma.shape, ma.dtype], [outShape, 'i32', outShape, dtype], `${dtype} ${c.shape} axis ${c.axis}: shapes and dtypes`);
      const wantI = reference.argmaxRef(x, c.shape, ax);
      const gi = sameWithNaN(await ia.read(), wantI);
      t.ok(gi.ok, `argmax ${dtype} ${c.shape} axis ${c.axis} exact ${gi.first}`);
      const gm = sameWithNaN(await ma.read(), reference.maxRef(x, c.shape, ax));
      t.ok(gm.ok, `max ${dtype} ${c.shape} axis ${c.axis} exact ${gm.first}`);
    }
  }
});

t.test('ties built in: the first of equal maxima wins', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    // Rows: all equal; max at 1 and 3; max at 0 and last; -0 before +0 (equal under IEEE comparison).
    const rows = [
      [2, 2, 2, 2, 2],
      [0, 7, 1, 7, -9],
      [4, -1, 4, 0, 4],
      [-0, 0, -1, -2, -3],
    ];
    const got = Array.from(await argmax(dev.tensor(rows.flat(), [4, 5], dtype), 1).read());
    t.same(got, [0, 1, 0, 0], `${dtype}: first maximum per row`);
    // Same along axis 0 (strided access): columns of the transposed data.
    const tr = rows[0].map((_, j) => rows.map((r) => r[j]));
    t.same(Array.from(await argmax(dev.tensor(tr.flat(), [5, 4], dtype), 0).read()), [0, 1, 0, 0], `${dtype}: first maximum per column`);
  }
});

t.test('NaN: the first NaN wins (argmax points at it, max is NaN); infinities order normally', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    const rows = [
      [1, NaN, 5, NaN],
      [NaN, 9, 9, 1],
      [-Infinity, -Infinity, -Infinity, -Infinity],
      [3, Infinity, 2, Infinity],
      [-5, -4, -Infinity, -4],
    ];
    const x = dev.tensor(rows.flat(), [5, 4], dtype);
    const wantI = reference.argmaxRef(rows.flat(), [5, 4], 1);
    t.same(Array.from(wantI), [1, 0, 0, 1, 1], 'reference follows torch.argmax / numpy.argmax');
    t.same(Array.from(await argmax(x, 1).read()), Array.from(wantI), `${dtype}: argmax`);
    const gm = sameWithNaN(await max(x, 1).read(), reference.maxRef(rows.flat(), [5, 4], 1));
    t.ok(gm.ok, `${dtype}: max is NaN, NaN, -Infinity, Infinity, -4 ${gm.first}`);
  }
});

t.test('argmax and max reject bad axes and dtypes, naming op and shape', async (t) => {
  const dev = await testDevice();
  const x = dev.tensor(new Float32Array(6), [2, 3]);
  t.throws(() => argmax(x, 2), /argmax of \[2, 3\]: axis 2 out of range for rank 2/);
  t.throws(() => max(x, -3), /max of \[2, 3\]: axis -3 out of range/);
  t.throws(() => max(dev.tensor([1, 2], [2], 'i32'), 0), /max: needs a float tensor.*\[2\]/);
  t.throws(() => argmax(dev.tensor(new Float32Array(0), [2, 0]), 1), /argmax: axis 1 of \[2, 0\] is empty/);
});
