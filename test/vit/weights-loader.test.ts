import t, { type Test } from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SafetensorsFile, writeSafetensors, type StTensorIn } from '@clearclip/tensor/safetensors';
import { loadClipWeights } from '@clearclip/vit';
import { convertCheckpoint } from '@clearclip/weights-tools';
import { testDevice } from '../helpers/device.js';
import { requireShared } from '../helpers/fixtures.js';

/** The fixture converted to the runtime format, and a way to write altered copies of it. */
async function setup(t: Test) {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  if (!dir) return null;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'clearclip-loader-'));
  t.teardown(() => rm(tmp, { recursive: true, force: true }));
  const good = path.join(tmp, 'good.safetensors');
  await convertCheckpoint({ input: path.join(dir, 'open_clip_model.safetensors'), output: good, dtype: 'f32', config: path.join(dir, 'open_clip_config.json') });
  const f = await SafetensorsFile.open(good);
  const tensors: StTensorIn[] = [];
  for (const n of f.names()) {
    const e = f.entry(n);
    tensors.push({ name: n, dtype: e.dtype, shape: e.shape, data: await f.readRaw(n) });
  }
  const metadata = f.metadata;
  await f.close();
  const variant = async (name: string, edit: (ts: StTensorIn[], meta: Record<string, string>) => StTensorIn[]) => {
    const p = path.join(tmp, `${name}.safetensors`);
    const meta = { ...metadata };
    await writeSafetensors(p, edit(tensors.map((x) => ({ ...x })), meta), meta);
    return p;
  };
  return { good, variant };
}

t.test('a converted file loads with every tensor on the device', async (t) => {
  const s = await setup(t);
  if (!s) return;
  const w = await loadClipWeights(await testDevice(), s.good);
  t.equal(w.tensors.size, 3 * 12 + 2 * 12 + 14 - 1, 'all tensors but logit_scale (kept on the host)');
  t.equal(w.config.vision.heads, 4);
  t.ok(Math.abs(w.logitScale - Math.log(1 / 0.07)) < 1e-6, 'logit_scale read');
  for (const x of w.tensors.values()) x.dispose();
});

t.test('missing, unexpected and mis-shaped tensors are listed by name', async (t) => {
  const s = await setup(t);
  if (!s) return;
  const p = await s.variant('broken', (ts) => {
    const out = ts.filter((x) => x.name !== 'visual.ln_post.bias');
    out.push({ name: 'visual.extra', dtype: 'F32', shape: [1], data: new Uint8Array(4) });
    const proj = out.find((x) => x.name === 'visual.proj')!;
    proj.shape = [32, 64]; // transposed by mistake: same bytes, wrong shape
    return out;
  });
  const err = await loadClipWeights(await testDevice(), p).catch((e: Error) => e);
  t.match((err as Error).message, /broken\.safetensors: tensors do not match the config/);
  t.match((err as Error).message, /missing \(1\): visual\.ln_post\.bias/);
  t.match((err as Error).message, /unexpected \(1\): visual\.extra/);
  t.match((err as Error).message, /mis-shaped \(1\): visual\.proj: file \[32, 64\], expected \[64, 32\]/);
});

t.test('an OpenCLIP checkpoint that was not converted is refused with the command to run', async (t) => {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  if (!dir) return;
  const err = await loadClipWeights(await testDevice(), path.join(dir, 'open_clip_model.safetensors')).catch((e: Error) => e);
  t.match((err as Error).message, /not a clearclip runtime weights file \(metadata format "pt", expected "clearclip-runtime-v1"\).*clearclip weights convert/);
});

t.test('non-finite weights are refused naming the tensor and element', async (t) => {
  const s = await setup(t);
  if (!s) return;
  const p = await s.variant('nan', (ts) => {
    const ln = ts.find((x) => x.name === 'visual.ln_pre.weight')!;
    const v = new Float32Array((ln.data as Uint8Array).slice().buffer);
    v[5] = NaN;
    ln.data = new Uint8Array(v.buffer);
    return ts;
  });
  const err = await loadClipWeights(await testDevice(), p).catch((e: Error) => e);
  t.match((err as Error).message, /nan\.safetensors: tensor visual\.ln_pre\.weight holds a non-finite value at element 5/);
});
