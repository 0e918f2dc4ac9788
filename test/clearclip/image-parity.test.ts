import t from 'tap';
import { SafetensorsFile } from '@clearclip/tensor/safetensors';
import { mmsegRescaleSize, normalizeToNchw, readImage, resizeLinearU8 } from 'clearclip';
import { requireShared } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/assert.js';

t.test('normalizeToNchw(seg.image_rgb) reproduces seg.input', async (t) => {
  const ref = requireShared(t, 'fixtures', 'clip-tiny-b16', 'reference.safetensors');
  if (!ref) return;
  const f = await SafetensorsFile.open(ref);
  t.teardown(() => f.close());
  t.same(f.entry('seg.image_rgb').shape, [200, 300, 3]);
  t.same(f.entry('seg.input').shape, [1, 3, 200, 300]);
  const rgb = await f.readRaw('seg.image_rgb');
  const want = await f.readFloat32('seg.input');
  const got = normalizeToNchw({ width: 300, height: 200, data: rgb });
  // Both are float32 results of (x - mean) / std; the reference went through float64, so 1 ulp (~2e-7) apart.
  assertClose(t, got, want, { atol: 1e-6, shape: [1, 3, 200, 300] }, 'seg.input');
  t.throws(() => normalizeToNchw({ width: 1, height: 1, data: new Uint8Array(3) }, [1, 2]), /mean and std need 3 values/);
});

t.test('horses.jpg: decode, mmseg rescale size, OpenCV resize vs seg.image_rgb', async (t) => {
  const jpg = requireShared(t, 'images', 'horses.jpg');
  const ref = requireShared(t, 'fixtures', 'clip-tiny-b16', 'reference.safetensors');
  if (!jpg || !ref) return;
  const t0 = performance.now();
  const img = await readImage(jpg);
  const t1 = performance.now();
  t.same([img.width, img.height], [2048, 1367], 'decoded size');
  const [h, w] = mmsegRescaleSize(img.height, img.width, [2048, 200]);
  t.same([h, w], [200, 300]);
  const small = resizeLinearU8(img, w, h);
  const t2 = performance.now();
  const f = await SafetensorsFile.open(ref);
  t.teardown(() => f.close());
  const want = await f.readRaw('seg.image_rgb');
  let sum = 0;
  let max = 0;
  let exact = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(small.data[i] - want[i]);
    sum += d;
    max = Math.max(max, d);
    if (d === 0) exact++;
  }
  const mean = sum / want.length;
  t.comment(`decode ${(t1 - t0).toFixed(0)} ms, resize ${(t2 - t1).toFixed(0)} ms`);
  t.comment(`vs seg.image_rgb: mean |diff| ${mean.toFixed(4)}, max ${max}, exact ${(100 * exact / want.length).toFixed(2)}%`);
  // The resize itself is bit-exact (image-resize.test.ts; and fed libjpeg's pixels it reproduces seg.image_rgb
  // exactly). What remains is jpeg-js's IDCT against libjpeg's: measured mean 0.069, max 3, 93.6% exact.
  // The bounds leave room for decoder changes but fail on real errors: measured on the reference itself, an R/B
  // swap gives a mean of 33.9, a 1-pixel shift 11.8, and a +1 level bias a mean of 1 with 0% exact.
  t.ok(mean < 0.2, `mean |diff| ${mean.toFixed(4)} < 0.2`);
  t.ok(max <= 4, `max |diff| ${max} <= 4`);
  t.ok(exact / want.length > 0.85, `exact fraction ${(exact / want.length).toFixed(4)} > 0.85`);
});
