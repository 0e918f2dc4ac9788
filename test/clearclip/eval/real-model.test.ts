/**
 * The hook for the real model. When the `clearclip` package exports `evalSegmenterFactory` (src/eval-segmenter.ts,
 * what the CLI dispatcher passes to evalCli; reads settings.model / settings.weights / settings.preset),
 * this runs it with the clip-tiny-b16 fixture on a small VOC21 layout through `evalCli`, and checks the metrics
 * against a brute-force recount of the labels it actually returned.
 */
import t from 'tap';
import path from 'node:path';
import { evalCli } from '../../../packages/clearclip/src/cli/eval.js';
import { evalSegmenterFactory } from 'clearclip';
import { requireShared } from '../../helpers/fixtures.js';
import { bruteForce, buildDataset } from './build-datasets.js';
import { Capture, readJson, tempDir } from './helpers.js';

t.test('real segmenter (clip-tiny-b16) through evalCli', async (t) => {
  const factory = evalSegmenterFactory;
  const weights = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  if (!weights || !vocab) return;
  const root = tempDir(t, 'real');
  const images = buildDataset(root, 'voc21', 31, 3);
  const preds: Int32Array[] = [];
  const err = new Capture();
  const code = await evalCli(
    ['--dataset', 'voc21', '--data-root', root, '--work-dir', path.join(root, 'w'), '--model', 'clip-tiny-b16', '--weights', weights, '--slide-crop', '224', '--no-progress'],
    {
      segmenterFactory: async (s) => {
        const inner = await factory(s, { vocab });
        return { segment: async (img, o) => { const p = await inner.segment(img, o); preds.push(p); return p; }, dispose: () => inner.dispose?.() };
      },
      stdout: new Capture(),
      stderr: err,
    },
  );
  t.equal(code, 0, err.text);
  t.equal(preds.length, images.length);
  for (const [k, p] of preds.entries()) t.ok(p.every((v) => v >= 0 && v < 21), `image ${k}: every label is a VOC21 class`);
  // runEval sorts by id; buildDataset ids sort in creation order.
  const b = bruteForce(images.map((im, k) => ({ pred: preds[k], label: im.label })), 21);
  t.same(readJson(path.join(root, 'w', 'results.json')).areas.intersect, b.I);
});
