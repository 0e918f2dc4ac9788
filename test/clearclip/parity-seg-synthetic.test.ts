import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { SafetensorsFile, writeSafetensors, type StTensorIn } from '@clearclip/tensor/safetensors';
import { ClipTokenizer } from '@clearclip/vit';
import { runParity } from '../../packages/clearclip/src/parity/run.js';
import { formatRows } from '../../packages/clearclip/src/parity/compare.js';
import { tolerances } from '../../packages/clearclip/src/parity/tolerances.js';
import { OPENAI_IMAGENET_TEMPLATES } from '../../packages/clearclip/src/templates.js';
import { type AttentionVariant, type StateDict, classFileRef, forwardSlideRef, postprocessRef, queryFeaturesRef, refConfigFromOpenClip } from '../helpers/clip-reference.js';
import { type FixtureSpec, makeFixture } from '../helpers/make-fixture.js';
import { testDevice } from '../helpers/device.js';
import { requireShared } from '../helpers/fixtures.js';
import { relativeError } from '../helpers/compare.js';

// Issue 13 item 5: the parity runner computes every tensor of a fixture with segmentation variants, by the naming
// rules of the fixture README. The only upstream fixture has no variants (and no seg.pred_ori), so a synthetic one
// gets its seg.* and <prefix>.* references from the float64 segmentor in test/helpers/clip-reference.ts, which is
// first checked against upstream's own seg.* and queries.* tensors of clip-tiny-b16.


const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');

t.test('float64 segmentor reproduces the upstream clip-tiny-b16 queries and seg tensors', async (t) => {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  if (!dir || !vocab) return;
  const model = await SafetensorsFile.open(path.join(dir, 'open_clip_model.safetensors'));
  const ref = await SafetensorsFile.open(path.join(dir, 'reference.safetensors'));
  try {
    const sd: StateDict = new Map();
    for (const n of model.names()) sd.set(n, { shape: model.entry(n).shape, data: await model.readFloat32(n) });
    const cfg = refConfigFromOpenClip(JSON.parse(await readFile(path.join(dir, 'open_clip_config.json'), 'utf8')));
    const settings = JSON.parse(await readFile(path.join(dir, 'settings.json'), 'utf8'));
    const seg = settings.segmentation;
    const tok = await ClipTokenizer.fromBpeGz(vocab);
    const tokenize = (texts: string[]) => tok.tokenize(texts, 77);
    // As test/vit/generic-config.test.ts: upstream computed in float64 and stored float32 (~6e-8 relative); 1e-6
    // still catches any wrong term (a wrong template, window, pad or resize moves these by 1e-3 or more).
    const tol = 1e-6;
    const check = async (name: string, ours: ArrayLike<number>) => {
      const e = relativeError(ours, await ref.readFloat32(name));
      t.ok(e <= tol, `${name}: max|diff|/max|ref| = ${e.toExponential(2)} (tol ${tol})`);
    };
    const exact = async (name: string, ours: ArrayLike<number>, allowed = 0) => {
      const want = await ref.readInt32(name);
      let diff = want.length === ours.length ? 0 : Infinity;
      for (let i = 0; i < want.length; i++) if (ours[i] !== want[i]) diff++;
      t.ok(diff <= allowed, `${name}: ${diff} elements differ (allowed ${allowed})`);
    };

    const qf = classFileRef(settings.queries.classes_file_contents);
    t.same(qf.queries, settings.queries.parsed_query_words, 'class file parsed as upstream parsed it (leading space kept)');
    await exact('queries.class_index', qf.queryClass);
    await check('queries.features', queryFeaturesRef(sd, cfg, qf.queries, OPENAI_IMAGENET_TEMPLATES, tokenize));

    const cf = classFileRef(seg.classes_file_contents);
    await exact('seg.query_index', cf.queryClass);
    const q = queryFeaturesRef(sd, cfg, cf.queries, OPENAI_IMAGENET_TEMPLATES, tokenize);
    await check('seg.query_features', q);

    const [, , H, W] = ref.entry('seg.input').shape;
    const rgb = await ref.readRaw('seg.image_rgb');
    const pre = seg.data_preprocessor;
    const input = new Float32Array(3 * H * W);
    for (let c = 0; c < 3; c++) for (let i = 0; i < H * W; i++) input[c * H * W + i] = (rgb[3 * i + c] - pre.mean[c]) / pre.std[c];
    await check('seg.input', input);

    const logits = forwardSlideRef(sd, cfg, await ref.readFloat32('seg.input'), H, W, q, cf.queries.length, {
      crop: seg.slide_crop,
      stride: seg.slide_stride,
      variant: seg.model_type as AttentionVariant,
      residual: !seg.ignore_residual,
      oriShape: seg['ori_shape_for_seg.logits'],
    });
    await check('seg.logits', logits);
    const pp = postprocessRef(logits, cf.queryClass, H * W, seg.logit_scale, seg.prob_thd);
    await check('seg.probs', pp.probs);
    t.equal(pp.gaps[0], settings.stats['seg.pixels_with_top2_gap_below_1e-4'], 'near-tie pixels (gap < 1e-4) counted as upstream counts them');
    // Both sides are float64 runs: a pixel can only flip where the top-2 gap is within rounding, so none may differ.
    await exact('seg.pred', pp.pred);
  } finally {
    await model.close();
    await ref.close();
  }
});

const spec: FixtureSpec = {
  seed: 424242,
  quickGelu: false,
  embedDim: 24,
  // Pretrained grid 5x5; the windows below are 32x40 padded -> 4x5 tokens, so the position table is interpolated.
  vision: { imageSize: 40, patch: 8, width: 48, headWidth: 12, layers: 2 },
  text: { width: 32, heads: 2, layers: 2 },
  extraInputs: [],
  posGrids: [[4, 5]],
  prompts: ['a photo of a hill.'],
  strings: ['hill'],
  queries: 'background,bare ground\nhill, mountain\n',
  segmentation: {
    // 30 < crop: one row of windows, 30 rows padded 1 + 1 to 32. Width 70 with crop 36 / stride 20: windows at
    // x 0, 20 and the last shifted back to 34:70; 36 columns padded 2 + 2 to 40 (crop not a patch multiple).
    image: [30, 70],
    classes: 'sky\nhill, mountain\ntree',
    modelType: 'ClearCLIP',
    ignoreResidual: true,
    crop: 36,
    stride: 20,
    logitScale: 50,
    // Below it at about an eighth of the pixels (they become class 0), and no pixel within 1e-5 of it (makeFixture checks).
    probThd: 0.4,
    predOri: [45, 101],
    variants: [
      { prefix: 'sclip', model_type: 'SCLIP', ignore_residual: true },
      { prefix: 'vanilla_resid', model_type: 'vanilla', ignore_residual: false, probs: false },
      { prefix: 'maskclip_resid', model_type: 'MaskCLIP', ignore_residual: false },
    ],
  },
};

t.test('npm run parity computes every tensor of a synthetic fixture with segmentation variants', async (t) => {
  if (!vocab) return;
  const t0 = performance.now();
  const fx = await makeFixture(spec, vocab);
  const t1 = performance.now();
  t.teardown(() => rm(fx.dir, { recursive: true, force: true }));

  // A variant whose model_type this project does not know: its tensors (any values) must come out "not computed".
  const settingsFile = path.join(fx.dir, 'settings.json');
  const settings = JSON.parse(await readFile(settingsFile, 'utf8'));
  settings.segmentation.variants.push({ prefix: 'future', model_type: 'FutureCLIP', ignore_residual: true });
  await writeFile(settingsFile, JSON.stringify(settings, null, 2));
  const refFile = path.join(fx.dir, 'reference.safetensors');
  const ref = await SafetensorsFile.open(refFile);
  const tensors: StTensorIn[] = [];
  for (const name of ref.names()) {
    const e = ref.entry(name);
    const data = e.dtype === 'I32' ? await ref.readInt32(name) : e.dtype === 'U8' ? await ref.readRaw(name) : await ref.readFloat32(name);
    tensors.push({ name, dtype: e.dtype, shape: e.shape.slice(), data });
    if (/^seg\.(logits|probs|pred)$/.test(name)) tensors.push({ name: name.replace('seg.', 'future.'), dtype: e.dtype, shape: e.shape.slice(), data });
  }
  await ref.close();
  await writeSafetensors(refFile, tensors.sort((a, b) => (a.name < b.name ? -1 : 1)));
  const unknown = ['future.logits', 'future.probs', 'future.pred'];

  const rows = await runParity(await testDevice(), fx.dir, { dtype: 'f32', vocab });
  t.comment(`fixture built in ${((t1 - t0) / 1000).toFixed(1)} s, parity in ${((performance.now() - t1) / 1000).toFixed(1)} s\n${formatRows(rows)}`);
  t.same(rows.map((r) => r.name).sort(), [...fx.names, ...unknown].sort(), 'one row per reference tensor');
  const expected = [
    'seg.logits', 'seg.probs', 'seg.pred', 'seg.pred_ori', 'seg.input', 'seg.query_features', 'seg.query_index',
    'queries.features', 'queries.class_index',
    'sclip.logits', 'sclip.probs', 'sclip.pred',
    'vanilla_resid.logits', 'vanilla_resid.pred',
    'maskclip_resid.logits', 'maskclip_resid.probs', 'maskclip_resid.pred',
  ];
  for (const n of expected) t.ok(fx.names.includes(n), `the fixture holds ${n}`);
  t.notOk(fx.names.includes('vanilla_resid.probs'), 'a variant without probs has none');

  const tol = tolerances('f32');
  const tolOf = (name: string): number =>
    /\.probs$/.test(name) ? tol.probs : /\.logits$/.test(name) ? tol.logits : /query_features$|^queries\.features$/.test(name) ? tol.queries : name === 'seg.input' ? 1e-6 : tol.tower;
  for (const r of rows) {
    if (unknown.includes(r.name)) {
      t.equal(r.status, 'not computed', `${r.name}: not computed (${r.note})`);
      continue;
    }
    if (r.status === 'input') {
      t.ok(/^vision\.input_|^seg\.image_rgb$/.test(r.name), `${r.name} is an input`);
      continue;
    }
    t.equal(r.status, 'pass', `${r.name}: ${r.maxAbs ?? '-'} (${r.rel?.toExponential(2) ?? '-'} rel, tol ${r.tol ?? '-'})${r.note ? ` ${r.note}` : ''}`);
    if (r.rel !== undefined) t.ok(r.rel <= tolOf(r.name), `${r.name} within ${tolOf(r.name)} relative`);
    // Predictions: at most the pixels the float64 reference itself calls near ties (top-2 gap below 1e-4).
    if (r.name in fx.nearTies) t.ok((r.maxAbs ?? Infinity) <= fx.nearTies[r.name], `${r.name}: ${r.maxAbs} pixels differ, ${fx.nearTies[r.name]} near ties in the reference`);
  }
  t.notOk(rows.some((r) => r.status === 'fail'), 'nothing fails');

  // Settings a tensor needs but the fixture lacks: "not computed", never "fail" (nor a silent default).
  delete settings.segmentation.classes_file_contents;
  delete settings.segmentation.data_preprocessor;
  delete settings.queries;
  await writeFile(settingsFile, JSON.stringify(settings, null, 2));
  const only = /^(seg|queries|sclip)\./;
  const rows2 = await runParity(await testDevice(), fx.dir, { dtype: 'f32', vocab, only });
  t.comment(`\n${formatRows(rows2)}`);
  // seg.input needs no setting: it is what our pipeline makes of seg.image_rgb with the model config's mean/std,
  // compared with what upstream fed its model, so it is still computed (and must pass) without data_preprocessor.
  t.equal(rows2.find((r) => r.name === 'seg.input')?.status, 'pass', 'seg.input: computed from the model config, passes');
  for (const r of rows2.filter((r) => r.name !== 'seg.image_rgb' && r.name !== 'seg.input')) t.equal(r.status, 'not computed', `without its settings ${r.name}: not computed (${r.note})`);
  t.ok(rows2.length >= 12, `${rows2.length} rows checked`);
});
