import t from 'tap';
import { f32ToF16Bits, f16BitsToF32, bf16BitsToF32 } from '@clearclip/weights-tools';
import { roundToHalfRef } from './f16-reference.js';
import { uniform } from '../helpers/random.js';

t.test('f16 -> f32 -> f16 is the identity on every non-NaN half', async (t) => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const f = f16BitsToF32(all);
  const back = f32ToF16Bits(f);
  let bad = 0;
  let nans = 0;
  for (let i = 0; i < 65536; i++) {
    const isNaN = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
    if (isNaN) {
      nans++;
      if (!Number.isNaN(f[i]) || (back[i] & 0x7c00) !== 0x7c00 || (back[i] & 0x3ff) === 0) bad++;
    } else if (back[i] !== i) bad++;
  }
  t.equal(nans, 2046);
  t.equal(bad, 0, 'every half survives the round trip; NaNs stay NaN');
  // Exact values, computed from the definition: (-1)^s 2^(e-15) (1 + m/1024), subnormals m 2^-24.
  let wrong = 0;
  for (let i = 0; i < 65536; i++) {
    const s = i & 0x8000 ? -1 : 1;
    const e = (i >> 10) & 31;
    const m = i & 1023;
    if (e === 31) continue;
    const v = e === 0 ? s * m * 2 ** -24 : s * 2 ** (e - 15) * (1 + m / 1024);
    if (!Object.is(f[i], v)) wrong++;
  }
  t.equal(wrong, 0, 'f16 bits decode to their exact values');
});

t.test('f32 -> f16 rounds to nearest even like the float64 reference', async (t) => {
  const special = [0, -0, 1, -1, 65504, 65519.99, 65520, -65520, 1e6, 2 ** -24, 2 ** -25, 2 ** -25 * 1.0001, 3 * 2 ** -25, 2 ** -14, 2 ** -14 - 2 ** -25,
    1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 2049, 2051, 6.1e-5, 1e-8, Infinity, -Infinity, 3.4e38];
  const rand = [...uniform(20000, 1, -4, 4), ...Array.from(uniform(20000, 2, -30, 17), (x) => Math.sign(x) * 2 ** Math.abs(x))];
  const values = Float32Array.from([...special, ...rand]);
  const got = f16BitsToF32(f32ToF16Bits(values));
  let bad = 0;
  const examples: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const want = roundToHalfRef(values[i]);
    if (!Object.is(got[i], want) && !(got[i] === 0 && want === 0)) {
      bad++;
      if (examples.length < 5) examples.push(`${values[i]} -> ${got[i]} (want ${want})`);
    }
  }
  t.equal(bad, 0, `all ${values.length} values round like the reference ${examples.join('; ')}`);
  t.ok(Number.isNaN(f16BitsToF32(f32ToF16Bits(Float32Array.of(NaN)))[0]), 'NaN stays NaN');
});

t.test('bf16 widening is exact', async (t) => {
  const v = Float32Array.of(1, -2.5, 3.140625, 0, -0, 2 ** -126, -(2 ** 100) * 1.5, Infinity);
  const bits = new Uint16Array(new Uint32Array(v.buffer).map((x) => x >>> 16));
  t.same(Array.from(bf16BitsToF32(bits)), Array.from(v), 'values with 8 significant bits are kept exactly');
});
