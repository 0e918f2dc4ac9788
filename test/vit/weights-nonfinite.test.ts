// Issue 14 item 9: non-finite weights are found in the f16 path too. A NaN checkpoint converted to f16 warns and
// is refused at load; values beyond f16's range warn (with the tensor name) when converted and are refused when
// an f32 file is loaded as f16, instead of segmenting to class 0 everywhere.
import t from 'tap';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SafetensorsFile, writeSafetensors, type StTensorIn } from '@clearclip/tensor/safetensors';
import { loadClipWeights } from '@clearclip/vit';
import { convertCheckpoint } from '@clearclip/weights-tools';
import { testDevice } from '../helpers/device.js';
import { requireShared } from '../helpers/fixtures.js';

t.test('non-finite and f16-overflowing weights are named in convert and refused at load in both dtypes', async (t) => {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  if (!dir) return;
  const dev = await testDevice();
  if (!dev.hasF16) return void t.plan(0, 'the adapter lacks shader-f16');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'clearclip-nonfinite-'));
  t.teardown(() => rm(tmp, { recursive: true, force: true }));
  // An OpenCLIP source checkpoint with one value edited.
  const variant = async (name: string, tensor: string, value: number) => {
    const src = await SafetensorsFile.open(path.join(dir, 'open_clip_model.safetensors'));
    const ts: StTensorIn[] = [];
    for (const n of src.names()) {
      const e = src.entry(n);
      let data = await src.readRaw(n);
      if (n === tensor) {
        const v = await src.readFloat32(n);
        v[3] = value;
        data = new Uint8Array(v.buffer);
        ts.push({ name: n, dtype: 'F32', shape: e.shape, data });
        continue;
      }
      ts.push({ name: n, dtype: e.dtype, shape: e.shape, data });
    }
    const meta = src.metadata;
    await src.close();
    const sub = path.join(tmp, name);
    await rm(sub, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(sub));
    await writeSafetensors(path.join(sub, 'open_clip_model.safetensors'), ts, meta);
    await copyFile(path.join(dir, 'open_clip_config.json'), path.join(sub, 'open_clip_config.json'));
    return path.join(sub, 'open_clip_model.safetensors');
  };

  const nan = await variant('nan', 'visual.ln_pre.weight', NaN);
  const warnings: string[] = [];
  const out16 = path.join(tmp, 'nan-f16.safetensors');
  const r = await convertCheckpoint({ input: nan, output: out16, dtype: 'f16', onWarn: (m) => warnings.push(m) });
  t.same(r.nonFinite, [{ name: 'visual.ln_pre.weight', count: 1, overflowed: 0 }]);
  t.match(warnings, [/tensor visual\.ln_pre\.weight holds 1 non-finite value/]);
  await t.rejects(loadClipWeights(dev, out16, { dtype: 'f16' }), /nan-f16\.safetensors: tensor visual\.ln_pre\.weight holds a non-finite value at element 3/);

  const big = await variant('big', 'visual.proj', 1e6);
  warnings.length = 0;
  const big16 = path.join(tmp, 'big-f16.safetensors');
  const r2 = await convertCheckpoint({ input: big, output: big16, dtype: 'f16', onWarn: (m) => warnings.push(m) });
  t.same(r2.nonFinite.map((x) => [x.name, x.overflowed]), [['visual.proj', 1]]);
  t.match(warnings, [/tensor visual\.proj: 1 value\(s\) beyond f16's range \(65504\) became Inf/]);
  await t.rejects(loadClipWeights(dev, big16, { dtype: 'f16' }), /big-f16\.safetensors: tensor visual\.proj holds a non-finite value/);
  // The same weights converted to f32 are fine in f32 and refused in f16 (they would overflow on upload).
  const big32 = path.join(tmp, 'big-f32.safetensors');
  const r3 = await convertCheckpoint({ input: big, output: big32, dtype: 'f32', onWarn: (m) => warnings.push(m) });
  t.same(r3.nonFinite, []);
  const w = await loadClipWeights(dev, big32, { dtype: 'f32' });
  for (const x of w.tensors.values()) x.dispose();
  await t.rejects(loadClipWeights(dev, big32, { dtype: 'f16' }), /big-f32\.safetensors: tensor visual\.proj element \d+ \(1000000\) overflows f16/);
});
