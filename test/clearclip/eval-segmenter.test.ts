import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evalSegmenterFactory } from 'clearclip';
import type { EvalSettings } from 'clearclip/eval';
import { requireShared } from '../helpers/fixtures.js';
import { rng } from '../helpers/random.js';

const cache = mkdtempSync(path.join(os.tmpdir(), 'clearclip-eval-seg-'));
t.teardown(() => rmSync(cache, { recursive: true, force: true }));
// Converted weights and query features go here, not into ~/.cache.
process.env.CLEARCLIP_CACHE = cache;

/** Settings as resolveSettings makes them, for the fixture model; only what the segmenter reads matters. */
function settings(weights: string, classesFile: string): EvalSettings {
  return {
    dataset: 'voc21' as EvalSettings['dataset'],
    dataRoot: '/nonexistent',
    imgDir: '',
    annDir: '',
    splitFile: null,
    imgSuffix: '.jpg',
    segMapSuffix: '.png',
    reduceZeroLabel: false,
    ignoreIndex: 255,
    classNames: [],
    classesPath: 'inline.txt',
    classesFile,
    preset: 'clearclip',
    model: null,
    weights,
    probThd: 0,
    logitScale: 50,
    slideCrop: 32,
    slideStride: 16,
    resizeScale: [2048, 40],
    keepRatio: true,
  };
}

t.test('the eval segmenter reads the prompt file in the class-file format, even a single line', async (t) => {
  const weights = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  if (!weights || !vocab) return;
  const r = rng(3);
  const img = { width: 60, height: 40, data: Uint8Array.from({ length: 60 * 40 * 3 }, () => Math.floor(256 * r())) };
  const fiveLines = settings(weights, 'sky\nhill\ntree\nhorse\ngrass');
  const seg = await evalSegmenterFactory(fiveLines, { vocab });
  t.teardown(() => seg.dispose?.());
  const five = await seg.segment(img, fiveLines);
  t.equal(five.length, 60 * 40, 'prediction at the original size');
  t.ok(five.some((c) => c !== 0), 'five classes: not everything is class 0 (so the next check can fail)');
  // One line = one class with four synonyms: every pixel is class 0. (Read as a --classes list it would be five.)
  const oneLine = await seg.segment(img, settings(weights, 'sky,hill,tree,horse,grass'));
  t.same(new Set(oneLine), new Set([0]), 'one class: every pixel is class 0');
});
