import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encodeIndexPng, percent2 } from 'clearclip/eval';
import { evalCli } from '../../../packages/clearclip/src/cli/eval.js';
import { ClearCLIP, evalSegmenterFactory, parseClassFile } from 'clearclip';
import { requireShared } from '../../helpers/fixtures.js';
import { rng } from '../../helpers/random.js';
import { bruteForce, fakeSegmenter, writeRgbPng } from './build-datasets.js';
import { buildCustom, writeFile, type CustomLayout } from './build-custom.js';
import { Capture, readJson, tempDir } from './helpers.js';

// Synonyms on a line and a non-ASCII name: the classes are the lines, named by their first name.
const CLASS_FILE = 'sky,clouds\nárbol\nhorse,pony,foal\n车\ngrass\n';
const NAMES = ['sky', 'árbol', 'horse', '车', 'grass'];
const LAYOUT: CustomLayout = { imgDir: 'pics', annDir: 'gt', imgSuffix: '.png', segMapSuffix: '_mask.png', ignoreIndex: 250 };

async function runEval(t: Test, argv: string[]) {
  const out = new Capture();
  const err = new Capture();
  const code = await evalCli([...argv, '--no-progress'], { segmenterFactory: async () => fakeSegmenter, stdout: out, stderr: err });
  t.equal(code, 0, `exit code (stderr: ${err.text.slice(-400)})`);
  return out.text;
}

function checkResults(t: Test, file: string, want: ReturnType<typeof bruteForce>, images: number) {
  const r = readJson(file);
  t.same(r.settings.classNames, NAMES, 'class names are the first name of each line');
  t.equal(r.counts.numClasses, NAMES.length, 'class count is the line count');
  t.same(r.areas.intersect, want.I, 'intersections');
  t.same(r.areas.union, want.U, 'unions');
  t.same(r.areas.label, want.L, 'label areas');
  t.same(r.areas.predLabel, want.P, 'predicted areas');
  t.equal(r.summary.mIoU, percent2(want.mIoU), 'mIoU');
  t.equal(r.summary.aAcc, percent2(want.aAcc), 'aAcc');
  t.equal(r.summary.mAcc, percent2(want.mAcc), 'mAcc');
  t.equal(r.images.evaluated, images);
}

t.test('custom dataset: flags give exactly the brute-force count', async (t) => {
  const root = tempDir(t, 'custom');
  writeFile(path.join(root, 'classes.txt'), CLASS_FILE);
  const images = buildCustom(root, LAYOUT, NAMES.length, 7);
  const want = bruteForce(images, NAMES.length, LAYOUT.ignoreIndex);
  const work = path.join(root, 'work');
  await runEval(t, [
    '--dataset', 'custom', '--data-root', root, '--classes', path.join(root, 'classes.txt'), '--work-dir', work,
    '--img-dir', LAYOUT.imgDir, '--ann-dir', LAYOUT.annDir, '--img-suffix', LAYOUT.imgSuffix, '--seg-map-suffix', LAYOUT.segMapSuffix,
    '--ignore-index', String(LAYOUT.ignoreIndex),
  ]);
  checkResults(t, path.join(work, 'results.json'), want, images.length);

  // The run leaves a description file; given alone it reproduces the run.
  const desc = readJson(path.join(work, 'dataset.json'));
  t.equal(desc.imgDir, LAYOUT.imgDir);
  const work2 = path.join(root, 'work2');
  await runEval(t, ['--dataset-file', path.join(work, 'dataset.json'), '--work-dir', work2]);
  checkResults(t, path.join(work2, 'results.json'), want, images.length);
});

t.test('custom dataset: a description file with relative paths, a split file and reduce_zero_label', async (t) => {
  const root = tempDir(t, 'custom-file');
  const data = path.join(root, 'data');
  writeFile(path.join(root, 'my-classes.txt'), CLASS_FILE);
  const layout = { ...LAYOUT, ignoreIndex: 255 };
  const images = buildCustom(data, layout, NAMES.length, 8, 5);
  // Rewrite the labels as reduce_zero_label files (0 = ignored, k+1 = class k) and leave the last image out of the split.
  const r = rng(3);
  const ids = ['sub0/img_0', 'sub1/img_1', 'sub0/img_2', 'sub1/img_3', 'sub0/img_4'];
  images.forEach((im, k) => {
    const raw = im.label.map((v) => (v === 255 ? (r() < 0.5 ? 0 : 255) : v + 1));
    im.label = raw.map((v) => (v === 0 || v === 255 ? 255 : v - 1));
    const width = widthOf(data, ids[k]);
    writeFile(path.join(data, layout.annDir, ids[k] + layout.segMapSuffix), encodeIndexPng({ width, height: raw.length / width, data: raw }));
  });
  writeFile(path.join(data, 'val.txt'), ids.slice(0, 4).join('\n') + '\n');
  const want = bruteForce(images.slice(0, 4), NAMES.length);
  writeFile(path.join(root, 'set.json'), JSON.stringify({
    name: 'my-set', dataRoot: 'data', classes: 'my-classes.txt', imgDir: layout.imgDir, annDir: layout.annDir, split: 'val.txt',
    imgSuffix: layout.imgSuffix, segMapSuffix: layout.segMapSuffix, reduceZeroLabel: true,
  }));
  const work = path.join(root, 'w');
  await runEval(t, ['--dataset-file', path.join(root, 'set.json'), '--work-dir', work]);
  checkResults(t, path.join(work, 'results.json'), want, 4);
  t.equal(readJson(path.join(work, 'results.json')).dataset, 'my-set');

  const err = new Capture();
  writeFile(path.join(root, 'bad.json'), JSON.stringify({ classes: 'my-classes.txt', imgdir: 'x' }));
  const code = await evalCli(['--dataset-file', path.join(root, 'bad.json'), '--data-root', data], { segmenterFactory: async () => fakeSegmenter, stdout: new Capture(), stderr: err });
  t.equal(code, 2, 'a misspelt field is a usage error');
  t.match(err.text, /unknown field "imgdir"/);
});

// Widths of the images buildCustom wrote, read back from the PNG header (bytes 16..19).
function widthOf(root: string, id: string): number {
  return readFileSync(path.join(root, LAYOUT.imgDir, id + LAYOUT.imgSuffix)).readUInt32BE(16);
}

t.test('custom dataset whose ground truth is the real segmenter\'s own output scores mIoU 100', async (t) => {
  const weights = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  if (!weights) return;
  const root = tempDir(t, 'custom-self');
  const classes = path.join(root, 'classes.txt');
  writeFile(classes, 'sky\nhill,mountain\ntree\nhorse\n');
  const r = rng(21);
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz') ?? undefined;
  const seg = await ClearCLIP.load({ weights, vocab });
  t.teardown(() => seg.dispose());
  for (let k = 0; k < 2; k++) {
    const [width, height] = [40 + 9 * k, 30];
    const rgb = new Uint8Array(3 * width * height);
    // Smooth colour fields with noise, so the prediction is not one class everywhere.
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) rgb[3 * (y * width + x) + c] = Math.min(255, Math.floor((c === 0 ? x * 6 : c === 1 ? y * 8 : 128) + 40 * r()));
    const img = { width, height, data: rgb };
    writeRgbPng(path.join(root, 'images', `im${k}.png`), width, height, rgb);
    const p = await seg.segment(img, parseClassFile('sky\nhill,mountain\ntree\nhorse\n'));
    writeFile(path.join(root, 'annotations', `im${k}.png`), encodeIndexPng({ width, height, data: Uint8Array.from(p.pred) }));
  }
  const work = path.join(root, 'w');
  const err = new Capture();
  const code = await evalCli(
    ['--dataset', 'custom', '--data-root', root, '--classes', classes, '--img-suffix', '.png', '--weights', weights, '--work-dir', work, '--no-progress'],
    { segmenterFactory: (s) => evalSegmenterFactory(s, { vocab }), stdout: new Capture(), stderr: err },
  );
  t.equal(code, 0, err.text);
  const res = readJson(path.join(work, 'results.json'));
  t.equal(res.summary.mIoU, 100, 'mIoU');
  t.equal(res.summary.aAcc, 100, 'aAcc');
});
