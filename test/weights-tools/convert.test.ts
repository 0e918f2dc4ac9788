import t, { type Test } from 'tap';
import path from 'node:path';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { SafetensorsFile } from '@clearclip/tensor/safetensors';
import { convertCheckpoint, runtimeLayout, RUNTIME_FORMAT, f16BitsToF32 } from '@clearclip/weights-tools';
import { requireShared } from '../helpers/fixtures.js';
import { torchCheckpointBytes, type TorchTensorSpec } from '../helpers/torch-checkpoint-writer.js';
import { roundToHalfRef } from './f16-reference.js';

const TRANSPOSED = /(attn\.in_proj_weight|attn\.out_proj\.weight|mlp\.c_fc\.weight|mlp\.c_proj\.weight)$/;

function untranspose(v: Float32Array, shape: number[]): Float32Array {
  // Stored [in, out]; PyTorch order is [out, in] = [shape[1], shape[0]].
  const [rows, cols] = shape;
  const out = new Float32Array(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = v[r * cols + c];
  return out;
}

async function tmp(t: Test): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'wt-convert-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** Compares a runtime file against the source state_dict; returns the max |error| and the count of compared elements. */
async function checkAgainstSource(t: Test, out: string, srcPath: string, dtype: 'f32' | 'f16', label: string) {
  const src = await SafetensorsFile.open(srcPath);
  const rt = await SafetensorsFile.open(out);
  let maxErr = 0;
  let mismatched = 0;
  let n = 0;
  try {
    t.equal(rt.metadata.format, RUNTIME_FORMAT, `${label}: format`);
    t.equal(rt.metadata.dtype, dtype, `${label}: dtype metadata`);
    t.same(JSON.parse(rt.metadata.open_clip_config), JSON.parse(await readFile(path.join(path.dirname(srcPath), 'open_clip_config.json'), 'utf8')), `${label}: config embedded`);
    t.equal(rt.metadata.source, path.basename(srcPath), `${label}: source name`);
    t.equal(rt.metadata.source_sha256, createHash('sha256').update(await readFile(srcPath)).digest('hex'), `${label}: source sha256`);
    t.same(rt.names().sort(), src.names().sort(), `${label}: same keys`);
    for (const name of src.names()) {
      const se = src.entry(name);
      const re = rt.entry(name);
      const transposed = se.shape.length === 2 && TRANSPOSED.test(name);
      t.equal(runtimeLayout(name, se.shape).transpose, transposed, `${label}: layout rule for ${name}`);
      t.same(re.shape, transposed ? [se.shape[1], se.shape[0]] : se.shape, `${label}: shape of ${name}`);
      const wantDtype = name === 'logit_scale' || dtype === 'f32' ? 'F32' : 'F16';
      t.equal(re.dtype, wantDtype, `${label}: dtype of ${name}`);
      const s = await src.readFloat32(name);
      let r = await rt.readFloat32(name);
      if (transposed) r = untranspose(r, re.shape);
      for (let i = 0; i < s.length; i++) {
        // f32: a pure copy, exact. f16: exactly the nearest-even half of the source value (float64 reference).
        const want = wantDtype === 'F16' ? roundToHalfRef(s[i]) : s[i];
        if (!Object.is(r[i], want)) mismatched++;
        maxErr = Math.max(maxErr, Math.abs(r[i] - s[i]));
        n++;
      }
    }
  } finally {
    await src.close();
    await rt.close();
  }
  t.equal(mismatched, 0, `${label}: every element equals the expected value (${n} compared, max |runtime - source| = ${maxErr.toExponential(2)})`);
  return { maxErr, n };
}

t.test('convert the fixture to f32 and f16 runtime files', async (t) => {
  const src = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  if (!src) return;
  const dir = await tmp(t);
  for (const dtype of ['f32', 'f16'] as const) {
    const out = path.join(dir, `tiny-${dtype}.safetensors`);
    const r = await convertCheckpoint({ input: src, output: out, dtype });
    t.equal(r.transposed.length, 20, '4 linear weights x (3 vision + 2 text) blocks are transposed');
    t.equal(r.dropped.length, 0);
    const { maxErr } = await checkAgainstSource(t, out, src, dtype, dtype);
    // f16 relative rounding is at most 2^-11; the fixture's values are O(1), so the absolute error stays small.
    if (dtype === 'f16') t.ok(maxErr > 0 && maxErr < 2e-3, `f16 max error ${maxErr} is rounding-sized`);
    t.comment(`${dtype}: ${r.outputBytes} bytes from ${r.inputBytes}, ${r.seconds.toFixed(3)} s`);
    t.equal(r.outputBytes, (await stat(out)).size);
  }
});

t.test('a torch zip checkpoint converts to the same file as the safetensors source', async (t) => {
  const src = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  if (!src) return;
  const dir = await tmp(t);
  const st = await SafetensorsFile.open(src);
  const specs: TorchTensorSpec[] = [];
  for (const name of st.names()) {
    const e = st.entry(name);
    specs.push({ name, dtype: 'F32', shape: e.shape, storage: await st.readRaw(name), parameter: name.endsWith('weight') });
  }
  await st.close();
  // Derived buffer: must be dropped.
  specs.push({ name: 'visual.transformer.resblocks.0.attn_mask', dtype: 'F32', shape: [2, 2], storage: new Uint8Array(16) });
  const cfg = path.join(path.dirname(src), 'open_clip_config.json');

  const fromSt = path.join(dir, 'from-st.safetensors');
  await convertCheckpoint({ input: src, output: fromSt, dtype: 'f16' });
  const stFile = await SafetensorsFile.open(fromSt);

  const variants = [
    { file: 'open_clip_pytorch_model.bin', opts: {}, config: 'beside' },
    { file: 'epoch_3.pt', opts: { nested: true, keyPrefix: 'module.' }, config: 'flag' },
    { file: 'deflated.pt', opts: { deflate: true, archive: 'deflated' }, config: 'flag' },
  ] as const;
  for (const v of variants) {
    const input = path.join(dir, v.file);
    await writeFile(input, torchCheckpointBytes(specs, v.opts));
    if (v.config === 'beside') await copyFile(cfg, path.join(dir, 'open_clip_config.json'));
    const out = path.join(dir, `${v.file}.runtime.safetensors`);
    const r = await convertCheckpoint({ input, output: out, dtype: 'f16', config: v.config === 'flag' ? cfg : undefined });
    t.same(r.dropped, ['visual.transformer.resblocks.0.attn_mask'], `${v.file}: attn_mask dropped`);
    const got = await SafetensorsFile.open(out);
    t.same(got.names(), stFile.names(), `${v.file}: same tensors in the same order`);
    let differing = 0;
    for (const name of stFile.names()) {
      t.same(got.entry(name).shape, stFile.entry(name).shape);
      const a = await got.readRaw(name);
      const b = await stFile.readRaw(name);
      if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) differing++;
    }
    t.equal(differing, 0, `${v.file}: every tensor is byte-identical to the safetensors conversion`);
    t.equal(got.metadata.source, v.file);
    t.equal(got.metadata.open_clip_config, stFile.metadata.open_clip_config);
    await got.close();
  }
  await stFile.close();
});

t.test('half, bfloat16 and strided (non-contiguous) torch tensors', async (t) => {
  const dir = await tmp(t);
  const base = Float32Array.from({ length: 12 }, (_, i) => (i - 5) * 0.3);
  const half = new Uint16Array([0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff, 0x8000]);
  const bf = new Uint16Array(Array.from(base.slice(0, 6), (x) => new Uint32Array(Float32Array.of(x).buffer)[0] >>> 16));
  const u8 = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const specs: TorchTensorSpec[] = [
    { name: 'visual.class_embedding', dtype: 'F16', shape: [6], storage: u8(half) },
    { name: 'visual.ln_pre.weight', dtype: 'BF16', shape: [6], storage: u8(bf) },
    // A transposed view of a [3, 4] storage: logical [4, 3] with strides [1, 4], starting at offset 0.
    { name: 'visual.proj', dtype: 'F32', shape: [4, 3], stride: [1, 4], storage: u8(base) },
    // A view at a storage offset: rows 1..2 of the [3, 4] storage, transposed by the runtime layout.
    { name: 'visual.transformer.resblocks.0.mlp.c_fc.weight', dtype: 'F32', shape: [2, 4], storageOffset: 4, storage: u8(base) },
    { name: 'text.counts', dtype: 'I64', shape: [2], storage: u8(BigInt64Array.of(7n, -1n)) },
  ];
  const input = path.join(dir, 'mixed.pt');
  await writeFile(input, torchCheckpointBytes(specs));
  const cfg = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_config.json');
  if (!cfg) return;
  const out = path.join(dir, 'mixed.safetensors');
  await convertCheckpoint({ input, output: out, config: cfg, dtype: 'f32' });
  const f = await SafetensorsFile.open(out);
  t.same(Array.from(await f.readFloat32('visual.class_embedding')), Array.from(f16BitsToF32(half)), 'F16 storage widened exactly');
  t.same(Array.from(await f.readFloat32('visual.ln_pre.weight')), Array.from(base.slice(0, 6), (x) => new Float32Array(new Uint32Array([new Uint32Array(Float32Array.of(x).buffer)[0] & 0xffff0000]).buffer)[0]), 'BF16 storage widened exactly');
  const proj = await f.readFloat32('visual.proj');
  const wantProj = [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11].map((i) => base[i]);
  t.same(Array.from(proj), wantProj, 'strided view gathered in logical order');
  t.same(f.entry('visual.transformer.resblocks.0.mlp.c_fc.weight').shape, [4, 2]);
  const fc = await f.readFloat32('visual.transformer.resblocks.0.mlp.c_fc.weight');
  // PyTorch [2, 4] = storage rows 1..2; stored transposed [4, 2].
  t.same(Array.from(fc), [4, 8, 5, 9, 6, 10, 7, 11].map((i) => base[i]), 'offset view, transposed');
  t.equal(f.entry('text.counts').dtype, 'I64', 'integer tensors are kept as they are');
  t.same(Array.from(await f.readInt32('text.counts')), [7, -1]);
  await f.close();
});

t.test('convert errors name the file or argument', async (t) => {
  const dir = await tmp(t);
  const src = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  if (!src) return;
  const lone = path.join(dir, 'lonely.safetensors');
  await copyFile(src, lone);
  await t.rejects(convertCheckpoint({ input: lone, output: path.join(dir, 'x') }), /lonely\.safetensors: no open_clip_config\.json beside it/);
  await t.rejects(convertCheckpoint({ input: path.join(dir, 'missing.bin'), output: path.join(dir, 'x') }), /missing\.bin: input file not found/);
  await t.rejects(convertCheckpoint({ input: src, output: path.join(dir, 'x'), config: path.join(dir, 'nope.json') }), /--config .*nope\.json: file not found/);
  await t.rejects(convertCheckpoint({ input: src, output: path.join(dir, 'x'), dtype: 'f64' as 'f32' }), /--dtype f64/);
  const out = path.join(dir, 'rt.safetensors');
  await convertCheckpoint({ input: src, output: out });
  await t.rejects(convertCheckpoint({ input: out, output: path.join(dir, 'y'), config: path.join(path.dirname(src), 'open_clip_config.json') }), /rt\.safetensors: already a clearclip-runtime-v1 file/);
});

t.test('--quick-gelu rewrites model_cfg.quick_gelu in the embedded config, and only that', async (t) => {
  const src = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  if (!src) return;
  const dir = await tmp(t);
  const cfgText = await readFile(path.join(path.dirname(src), 'open_clip_config.json'), 'utf8');
  const noQuick = JSON.parse(cfgText);
  delete noQuick.model_cfg.quick_gelu;
  const cfg = path.join(dir, 'cfg.json');
  await writeFile(cfg, JSON.stringify(noQuick));
  const out = path.join(dir, 'q.safetensors');
  await convertCheckpoint({ input: src, output: out, config: cfg, quickGelu: true });
  const f = await SafetensorsFile.open(out);
  const embedded = JSON.parse(f.metadata.open_clip_config);
  await f.close();
  t.equal(embedded.model_cfg.quick_gelu, true);
  delete embedded.model_cfg.quick_gelu;
  t.same(embedded, noQuick, 'nothing else changed');
  // Without the flag the file's text is embedded verbatim.
  await convertCheckpoint({ input: src, output: out, config: cfg });
  const g = await SafetensorsFile.open(out);
  t.equal(g.metadata.open_clip_config, JSON.stringify(noQuick));
  await g.close();
});
