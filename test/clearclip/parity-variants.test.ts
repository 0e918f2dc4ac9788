import t from 'tap';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SafetensorsFile, writeSafetensors, type StTensorIn } from '@clearclip/tensor/safetensors';
import { runParity } from '../../packages/clearclip/src/parity/run.js';
import { formatRows } from '../../packages/clearclip/src/parity/compare.js';
import { testDevice } from '../helpers/device.js';
import { requireShared, sharedPath } from '../helpers/fixtures.js';

// The fixture README's naming rules for segmentation variants (settings.segmentation.variants, <prefix>.logits /
// .probs / .pred), exercised on a copy of clip-tiny-b16: the variant "clear" names upstream's own float64 seg.*
// tensors under a prefix with the same model_type and ignore_residual (so its references are upstream's), a
// variant with a model_type this project does not know must come out "not computed", and so must pred_ori without
// its ori_shape setting and a name no rule covers.
t.test('parity runner: segmentation variants by prefix, unknown names not computed', async (t) => {
  const src = requireShared(t, 'fixtures', 'clip-tiny-b16');
  if (!src) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'clearclip-variants-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of ['open_clip_config.json', 'open_clip_model.safetensors']) copyFileSync(path.join(src, f), path.join(dir, f));
  const settings = JSON.parse(readFileSync(path.join(src, 'settings.json'), 'utf8'));
  settings.segmentation.variants = [
    { prefix: 'clear', model_type: settings.segmentation.model_type, ignore_residual: settings.segmentation.ignore_residual },
    { prefix: 'future', model_type: 'FutureCLIP', ignore_residual: true },
  ];
  settings.stats['clear.pixels_with_top2_gap_below_1e-4'] = settings.stats['seg.pixels_with_top2_gap_below_1e-4'];
  writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(settings));

  const ref = await SafetensorsFile.open(path.join(src, 'reference.safetensors'));
  const out: StTensorIn[] = [];
  const keep = ['seg.image_rgb', 'seg.input', 'seg.query_features', 'seg.logits', 'seg.probs', 'seg.pred'];
  for (const name of keep) {
    const e = ref.entry(name);
    const data = e.dtype === 'I32' ? await ref.readInt32(name) : e.dtype === 'U8' ? await ref.readRaw(name) : await ref.readFloat32(name);
    out.push({ name, dtype: e.dtype, shape: e.shape.slice(), data });
    if (/^seg\.(logits|probs|pred)$/.test(name)) {
      out.push({ name: name.replace('seg.', 'clear.'), dtype: e.dtype, shape: e.shape.slice(), data });
      out.push({ name: name.replace('seg.', 'future.'), dtype: e.dtype, shape: e.shape.slice(), data });
    }
  }
  const pred = out.find((x) => x.name === 'seg.pred')!;
  out.push({ ...pred, name: 'seg.pred_ori' }, { ...pred, name: 'mystery.tensor' });
  await ref.close();
  await writeSafetensors(path.join(dir, 'reference.safetensors'), out.sort((a, b) => (a.name < b.name ? -1 : 1)));

  const rows = await runParity(await testDevice(), dir, { vocab: sharedPath('vocab', 'bpe_simple_vocab_16e6.txt.gz') });
  t.comment(`\n${formatRows(rows)}`);
  const status = Object.fromEntries(rows.map((r) => [r.name, r.status]));
  for (const n of ['clear.logits', 'clear.probs', 'clear.pred', 'seg.logits', 'seg.probs', 'seg.pred', 'seg.query_features']) t.equal(status[n], 'pass', n);
  for (const n of ['future.logits', 'future.probs', 'future.pred', 'seg.pred_ori', 'mystery.tensor']) t.equal(status[n], 'not computed', `${n}: not computed`);
  t.notOk(rows.some((r) => r.status === 'fail'), 'nothing fails for a reason of the runner');
});
