import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { percent2, STANDARD_ROOTS, type DatasetName, type EvalSegmenter } from 'clearclip/eval';
import { evalCli } from '../../../packages/clearclip/src/cli/eval.js';
import { bruteForce, buildDataset, fakeSegmenter, type BuiltImage } from './build-datasets.js';
import { Capture, readJson, tempDir } from './helpers.js';

// The paper's ClearCLIP ViT-B/16 mIoU (Lan et al., ECCV 2024, Table 1), typed in from the paper for this check.
const PAPER: Record<string, number> = { voc21: 51.8, context60: 32.6, 'coco-object': 33.0, voc20: 80.9, context59: 35.9, 'coco-stuff164k': 23.9, cityscapes: 30.0, ade20k: 16.7 };

/** Builds three benchmarks in their standard folders (VOC2012 also holds voc20, which reads the same files). */
function buildRoot(root: string): Record<string, BuiltImage[]> {
  const built: Record<string, BuiltImage[]> = {};
  (['voc21', 'cityscapes', 'ade20k'] as DatasetName[]).forEach((name, k) => {
    built[name] = buildDataset(path.join(root, STANDARD_ROOTS[name]), name, 500 + k, 4);
  });
  return built;
}

/** Counts calls per dataset; `failOn` makes that dataset's segmenter throw, as an interrupted run would stop. */
function countingFactory(calls: Record<string, number>, failOn?: string) {
  return async (s: { dataset: string }): Promise<EvalSegmenter> => ({
    async segment(img, o) {
      calls[s.dataset] = (calls[s.dataset] ?? 0) + 1;
      if (s.dataset === failOn) throw new Error('interrupted');
      return fakeSegmenter.segment(img, o);
    },
  });
}

const N: Record<string, number> = { voc21: 21, cityscapes: 19, ade20k: 150 };

t.test('eval all: present datasets run, missing ones are listed, one summary with the paper column; resumes', async (t) => {
  const root = tempDir(t, 'all');
  const built = buildRoot(root);
  const work = path.join(root, 'work');
  const calls1: Record<string, number> = {};
  const out = new Capture();
  const err = new Capture();
  const code1 = await evalCli(['all', '--data-root', root, '--work-dir', work, '--no-progress'], { segmenterFactory: countingFactory(calls1, 'ade20k'), stdout: out, stderr: err });
  t.equal(code1, 1, 'a dataset that failed makes the exit code 1');
  let j = readJson(path.join(work, 'summary.json'));
  const row = (name: string) => j.rows.find((r: { dataset: string }) => r.dataset === name);
  t.equal(row('ade20k').status, 'failed');
  t.match(row('ade20k').note, /interrupted/);
  for (const name of ['context60', 'context59', 'coco-object', 'coco-stuff164k']) {
    t.equal(row(name).status, 'missing', `${name} is listed as missing`);
    t.equal(row(name).mIoU, null);
  }
  t.same(j.rows.map((r: { dataset: string }) => r.dataset), ['voc21', 'context60', 'coco-object', 'voc20', 'context59', 'coco-stuff164k', 'cityscapes', 'ade20k'], "the paper's order");

  const calls2: Record<string, number> = {};
  const code2 = await evalCli(['all', '--data-root', root, '--work-dir', work, '--no-progress'], { segmenterFactory: countingFactory(calls2), stdout: new Capture(), stderr: err });
  t.equal(code2, 0, err.text.slice(-300));
  t.same(Object.keys(calls2), ['ade20k'], 'the re-run evaluates only the dataset that had not finished');
  j = readJson(path.join(work, 'summary.json'));
  for (const name of ['voc21', 'cityscapes', 'ade20k']) {
    const b = bruteForce(built[name], N[name]);
    const r = row(name);
    t.equal(r.mIoU, percent2(b.mIoU), `${name} mIoU`);
    t.equal(r.aAcc, percent2(b.aAcc), `${name} aAcc`);
    t.equal(r.mAcc, percent2(b.mAcc), `${name} mAcc`);
    t.equal(r.images, built[name].length);
  }
  t.equal(row('voc20').status, 'resumed', 'voc20 (same VOC2012 folder) finished in the first run');
  for (const r of j.rows) t.equal(r.paperMIoU, PAPER[r.dataset], `${r.dataset}: paper mIoU`);
  const csv = readFileSync(path.join(work, 'summary.csv'), 'utf8').trim().split('\n');
  t.equal(csv[0], 'dataset,mIoU,aAcc,mAcc,images,paper_mIoU,delta_mIoU,status,note');
  t.equal(csv.length, 9, 'one csv row per dataset');
  const md = readFileSync(path.join(work, 'summary.md'), 'utf8');
  t.match(md, /paper mIoU/);
  t.match(md, /Not found \(skipped\): context60/);
});

t.test('eval all --shard: the summary merges a dataset once all its shards have finished', async (t) => {
  const root = tempDir(t, 'all-shard');
  const built = buildRoot(root);
  const work = path.join(root, 'work');
  const run = (shard: string) => evalCli(['all', '--data-root', root, '--work-dir', work, '--datasets', 'voc21,ade20k', '--shard', shard, '--no-progress'], { segmenterFactory: async () => fakeSegmenter, stdout: new Capture(), stderr: new Capture() });
  t.equal(await run('1/2'), 0);
  let j = readJson(path.join(work, 'summary.json'));
  t.same(j.rows.map((r: { status: string }) => r.status), ['partial', 'partial']);
  t.match(j.rows[0].note, /to run: 0\/2/);
  t.equal(await run('0/2'), 0);
  j = readJson(path.join(work, 'summary.json'));
  for (const [k, name] of ['voc21', 'ade20k'].entries()) {
    t.equal(j.rows[k].status, 'done');
    t.equal(j.rows[k].mIoU, percent2(bruteForce(built[name], N[name]).mIoU), `${name}: merged shards give the full metric`);
  }
});

t.test('eval all --root overrides one dataset\'s folder', async (t) => {
  const root = tempDir(t, 'all-root');
  const elsewhere = path.join(root, 'my-ade');
  const images = buildDataset(elsewhere, 'ade20k', 77, 3);
  const work = path.join(root, 'work');
  const code = await evalCli(['all', '--data-root', root, '--root', `ade20k=${elsewhere}`, '--work-dir', work, '--no-progress'], { segmenterFactory: async () => fakeSegmenter, stdout: new Capture(), stderr: new Capture() });
  t.equal(code, 0);
  const j = readJson(path.join(work, 'summary.json'));
  const ade = j.rows.find((r: { dataset: string }) => r.dataset === 'ade20k');
  t.equal(ade.mIoU, percent2(bruteForce(images, 150).mIoU));
  t.equal(j.rows.filter((r: { status: string }) => r.status === 'missing').length, 7);
});
