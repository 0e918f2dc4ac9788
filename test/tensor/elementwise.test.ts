import t from 'tap';
import { add, roundToF16 } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';

// f32: inputs are exact, one rounding of the result -> 1 ulp relative. f16: one f16 rounding of the result (2^-11).
const tol = { f32: { atol: 1e-6, rtol: 1e-6 }, f16: { atol: 1e-3, rtol: 1e-3 } };
const shapes: { a: number[]; b: number[] }[] = [
  { a: [1], b: [1] },
  { a: [7, 13], b: [7, 13] },
  { a: [3, 5, 17], b: [17] },
  { a: [4099, 65], b: [65] },
];

t.test('add matches the float64 reference on awkward shapes', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    for (const [k, s] of shapes.entries()) {
      const na = s.a.reduce((x, y) => x * y, 1);
      const nb = s.b.reduce((x, y) => x * y, 1);
      let a = uniform(na, 10 + k, -2, 2);
      let b = uniform(nb, 20 + k, -2, 2);
      if (dtype === 'f16') [a, b] = [roundToF16(a), roundToF16(b)];
      const ta = dev.tensor(a, s.a, dtype);
      const tb = dev.tensor(b, s.b, dtype);
      const opts = { ...tol[dtype], shape: s.a };
      assertClose(t, await add(ta, tb).read(), reference.addRef(a, b), opts, `add ${dtype} ${s.a}+${s.b}`);
    }
  }
});

t.test('a launch above 65535 workgroups folds into the y dimension', async (t) => {
  const dev = await testDevice();
  const n = 65536 * 256 + 3; // 65537 workgroups of 256
  const a = uniform(n, 3);
  // WGSL's f32 addition is correctly rounded, so the result must equal the f32-rounded float64 sum exactly.
  const r = await add(dev.tensor(a, [n, 1]), dev.tensor([0.5], [1])).read();
  assertClose(t, r, Float32Array.from(reference.addRef(a, [0.5])), { atol: 0, rtol: 0 }, 'a + 0.5 over 16.8M elements equals the f32-rounded sum');
});

t.test('shapes that do not broadcast are rejected with both shapes named', async (t) => {
  const dev = await testDevice();
  const a = dev.tensor(new Float32Array(6), [2, 3]);
  const b = dev.tensor(new Float32Array(2), [2]);
  t.throws(() => add(a, b), /\[2\] does not broadcast onto \[2, 3\]/);
});
