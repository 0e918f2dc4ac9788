import t from 'tap';
import { cast, roundToF16 } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';

// Values spread over f16's whole range: normals from 2^-14 to 60000, subnormals, zeros of both signs, and
// halfway cases between two f16 values (1 + 2^-11 lies exactly between 1 and 1 + 2^-10).
function wide(n: number, seed: number): Float32Array {
  const u = uniform(n, seed, 0, 1);
  const s = uniform(n, seed + 1, -1, 1);
  const x = Float32Array.from(u, (v, i) => Math.sign(s[i]) * 2 ** (-24 + 40 * v));
  const special = [1 + 2 ** -11, 1 + 3 * 2 ** -11, 0, -0, 65504, -65504, 2 ** -24, 2 ** -14, 1 / 3, -2 / 3];
  x.set(special.slice(0, n));
  return x.map((v) => Math.min(65504, Math.max(-65504, v)));
}

t.test('cast f32 -> f16 rounds as the host does; f16 -> f32 is exact; round trips keep f16 values', async (t) => {
  const dev = await testDevice();
  if (!dev.hasF16) return t.plan(0, 'adapter lacks shader-f16');
  for (const shape of [[1], [3], [7, 13], [3, 1000, 5]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = wide(n, n);
    const x32 = dev.tensor(x, shape);
    const h = cast(x32, 'f16');
    t.same([h.shape, h.dtype], [shape, 'f16'], `${shape}: f16 result`);
    // WGSL lets a conversion round to either neighbour, so the guarantee is one f16 ulp (2^-10 relative,
    // 2^-24 absolute for subnormals); lavapipe rounds to nearest even, like the host, giving 0 here.
    assertClose(t, await h.read(), reference.castRef(x, 'f16'), { atol: 2 ** -24, rtol: 2 ** -10, shape }, `f32->f16 ${shape}`);
    const hx = roundToF16(x);
    const back = cast(dev.tensor(hx, shape, 'f16'), 'f32');
    t.equal(back.dtype, 'f32');
    assertClose(t, await back.read(), reference.castRef(hx, 'f32'), { atol: 0, shape }, `f16->f32 ${shape} exact`);
    const same16 = cast(dev.tensor(hx, shape, 'f16'), 'f16');
    assertClose(t, await same16.read(), hx, { atol: 0, shape }, `f16->f16 copy ${shape} exact`);
  }
});

t.test('cast to the same dtype is an exact copy into a new buffer', async (t) => {
  const dev = await testDevice();
  const x = uniform(1001, 5, -1e6, 1e6);
  const a = dev.tensor(x, [7, 11, 13]);
  const b = cast(a, 'f32');
  t.not(b.buffer, a.buffer, 'new storage');
  a.dispose();
  assertClose(t, await b.read(), x, { atol: 0 }, 'f32 copy exact, and independent of the disposed source');
});

t.test('cast rejects integer tensors and unknown targets', async (t) => {
  const dev = await testDevice();
  t.throws(() => cast(dev.tensor([1, 2], [2], 'i32'), 'f32'), /cast: .*\[2\].*i32/);
  t.throws(() => cast(dev.tensor([1, 2], [2]), 'i32' as 'f32'), /cast: target dtype must be f32 or f16, got i32/);
});
