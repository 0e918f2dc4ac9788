import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { convertCocoObject, DATASET_NAMES, DATASETS, percent2, type EvalSettings } from 'clearclip/eval';
import { evalCli } from '../../../packages/clearclip/src/cli/eval.js';
import { bruteForce, buildDataset, fakeSegmenter } from './build-datasets.js';
import { Capture, readJson, tempDir } from './helpers.js';

// Upstream values read from ClearCLIP's configs/cfg_*.py and ClearCLIPSegmentation's defaults.
const UPSTREAM: Record<string, { probThd: number; slideCrop: number; n: number }> = {
  voc21: { probThd: 0.5, slideCrop: 448, n: 21 },
  voc20: { probThd: 0, slideCrop: 448, n: 20 },
  context60: { probThd: 0.15, slideCrop: 448, n: 60 },
  context59: { probThd: 0, slideCrop: 448, n: 59 },
  'coco-object': { probThd: 0.4, slideCrop: 448, n: 81 },
  'coco-stuff164k': { probThd: 0, slideCrop: 448, n: 171 },
  cityscapes: { probThd: 0, slideCrop: 224, n: 19 },
  ade20k: { probThd: 0, slideCrop: 448, n: 150 },
};

const nullIfNaN = (v: number) => (Number.isNaN(v) ? null : percent2(v));

for (const [k, name] of DATASET_NAMES.entries()) {
  t.test(`${name}: eval over the MMSeg layout matches metrics computed independently`, async (t) => {
    const root = tempDir(t, name);
    const images = buildDataset(root, name, 1000 + k);
    if (name === 'coco-object') await convertCocoObject({ dataRoot: root, splits: ['val2017'] });
    const work = path.join(root, 'work');
    const seen: EvalSettings[] = [];
    const out = new Capture();
    const err = new Capture();
    const code = await evalCli(['--dataset', name, '--data-root', root, '--work-dir', work], {
      segmenterFactory: async (s) => {
        seen.push(s);
        return fakeSegmenter;
      },
      stdout: out,
      stderr: err,
    });
    t.equal(code, 0, `exit code (stderr: ${err.text.slice(-400)})`);
    t.equal(seen.length, 1);
    const s = seen[0];
    const up = UPSTREAM[name];
    t.equal(s.probThd, up.probThd, 'prob_thd');
    t.equal(s.slideCrop, up.slideCrop, 'slide crop');
    t.equal(s.slideStride, 224, 'slide stride');
    t.same(s.resizeScale, [2048, 448], 'resize scale');
    t.equal(s.logitScale, 50);
    t.equal(s.preset, 'clearclip');
    t.equal(s.classNames.length, up.n, 'class count');
    t.equal(s.classesFile.trimEnd().split('\n').length, up.n, 'class file lines');

    const r = readJson(path.join(work, 'results.json'));
    const b = bruteForce(images, up.n);
    t.same(r.areas.intersect, b.I, 'area_intersect');
    t.same(r.areas.union, b.U, 'area_union');
    t.same(r.areas.predLabel, b.P, 'area_pred_label');
    t.same(r.areas.label, b.L, 'area_label');
    t.same(r.summary, { aAcc: nullIfNaN(b.aAcc), mIoU: nullIfNaN(b.mIoU), mAcc: nullIfNaN(b.mAcc) }, 'summary');
    t.same(r.perClass.map((c: any) => c.IoU), b.iou.map(nullIfNaN), 'per-class IoU');
    t.same(r.perClass.map((c: any) => c.Acc), b.acc.map(nullIfNaN), 'per-class Acc');
    t.ok(b.iou.some((v) => Number.isNaN(v)), 'some classes are absent (NaN) in this case');
    t.equal(r.images.evaluated, images.length);
    t.same(r.settings, JSON.parse(JSON.stringify(s)), 'results.json records the settings used');
    t.ok(r.imagesPerSecond > 0);
    for (const f of ['areas.json', 'results.csv', 'results.md']) t.ok(existsSync(path.join(work, f)), f);
    t.match(out.text, /\| +Class +\| +IoU +\| +Acc +\|/, 'class table on stdout');
    t.match(out.text, new RegExp(`mIoU: ${nullIfNaN(b.mIoU)!.toFixed(2)}`), 'summary on stdout');
    const csv = readFileSync(path.join(work, 'results.csv'), 'utf8').trim().split('\n');
    t.equal(csv.length, 1 + up.n + 2, 'csv: header, one row per class, mean and aAcc');
  });
}

t.test('flags override every default and are recorded', async (t) => {
  const root = tempDir(t, 'override');
  const images = buildDataset(root, 'voc21', 5);
  const alt = path.join(root, 'my-classes.txt');
  (await import('node:fs')).writeFileSync(alt, Array.from({ length: 21 }, (_, i) => `c${i},syn${i}`).join('\n'));
  let got: EvalSettings | null = null;
  const err = new Capture();
  const code = await evalCli(
    ['--dataset', 'voc21', '--data-root', root, '--work-dir', path.join(root, 'w'), '--prob-thd', '0.3', '--logit-scale', '40',
      '--slide-crop', '336', '--slide-stride', '112', '--resize', '1024,336', '--classes', alt, '--model', 'ViT-L-14', '--no-progress'],
    { segmenterFactory: async (s) => ((got = s), fakeSegmenter), stdout: new Capture(), stderr: err },
  );
  t.equal(code, 0, err.text);
  t.match(got, { probThd: 0.3, logitScale: 40, slideCrop: 336, slideStride: 112, resizeScale: [1024, 336], model: 'ViT-L-14', classesPath: alt });
  t.match(got!.classesFile, /^c0,syn0\n/);
  const r = readJson(path.join(root, 'w', 'results.json'));
  t.equal(r.settings.probThd, 0.3);
  t.equal(r.images.evaluated, images.length);
  t.equal(err.text, '', '--no-progress silences stderr');
});

t.test('split file and folder overrides follow MMSeg (split names + suffixes; "none" scans the image folder)', async (t) => {
  const root = tempDir(t, 'split');
  const listed = buildDataset(root, 'voc21', 9);
  const all = DATASETS.voc21;
  const w1 = path.join(root, 'w1');
  const w2 = path.join(root, 'w2');
  const deps = { segmenterFactory: async () => fakeSegmenter, stdout: new Capture(), stderr: new Capture() };
  t.equal(await evalCli(['--dataset', 'voc21', '--data-root', root, '--work-dir', w1, '--no-progress'], deps), 0);
  t.equal(readJson(path.join(w1, 'results.json')).images.evaluated, listed.length, 'split file restricts the images');
  t.equal(await evalCli(['--dataset', 'voc21', '--data-root', root, '--work-dir', w2, '--split', 'none', '--no-progress'], deps), 0);
  t.equal(readJson(path.join(w2, 'results.json')).images.evaluated, listed.length + 1, `--split none takes every ${all.imgSuffix} in ${all.imgDir}`);
});

t.test('bad arguments exit 2 with the reason; missing files exit 1 naming them', async (t) => {
  const root = tempDir(t, 'bad');
  buildDataset(root, 'cityscapes', 3, 3);
  const run = async (argv: string[]) => {
    const err = new Capture();
    const code = await evalCli(argv, { segmenterFactory: async () => fakeSegmenter, stdout: new Capture(), stderr: err });
    return { code, err: err.text };
  };
  const base = ['--dataset', 'cityscapes', '--data-root', root, '--no-progress', '--work-dir', path.join(root, 'w')];
  t.match(await run([...base, '--shard', '3/3']), { code: 2, err: /0-based and must be below 3/ });
  t.match(await run([...base, '--shard', '1-3']), { code: 2, err: /--shard must look like i\/n/ });
  t.match(await run([...base, '--shard', '0/0']), { code: 2, err: /at least 1/ });
  t.match(await run(['--dataset', 'voc99', '--data-root', root]), { code: 2, err: /unknown dataset 'voc99'/ });
  t.match(await run(['--dataset', 'voc21']), { code: 2, err: /--data-root is required/ });
  t.match(await run([...base, '--prob-thd', 'abc']), { code: 2, err: /--prob-thd expects a number/ });
  t.match(await run([...base, '--bogus']), { code: 2, err: /bogus/ });
  t.match(await run([...base, '--prob-thd', '1.5']), { code: 2, err: /prob_thd must be in \[0, 1\]/ });
  (await import('node:fs')).rmSync(path.join(root, 'gtFine/val/lindau/lindau_000001_000019_gtFine_labelTrainIds.png'));
  t.match(await run(base), { code: 1, err: /1 file\(s\) missing.*lindau_000001_000019_gtFine_labelTrainIds\.png/s });
  const wrongSize = await evalCli([...base.slice(0, 4), '--work-dir', path.join(root, 'w3'), '--no-progress', '--split', 'none', '--img-dir', 'nope'], {
    segmenterFactory: async () => fakeSegmenter, stdout: new Capture(), stderr: new Capture(),
  });
  t.equal(wrongSize, 1, 'a missing image folder is a runtime error');
});

t.test('a segmenter returning the wrong size is reported', async (t) => {
  const root = tempDir(t, 'size');
  buildDataset(root, 'ade20k', 4, 2);
  const err = new Capture();
  const code = await evalCli(['--dataset', 'ade20k', '--data-root', root, '--work-dir', path.join(root, 'w'), '--no-progress'], {
    segmenterFactory: async () => ({ segment: async () => new Int32Array(3) }),
    stdout: new Capture(),
    stderr: err,
  });
  t.equal(code, 1);
  t.match(err.text, /returned 3 labels for a \d+x\d+ image/);
});
