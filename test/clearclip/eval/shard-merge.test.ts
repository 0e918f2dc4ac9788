import t from 'tap';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseShard, selectShard } from 'clearclip/eval';
import { evalCli, mergeCli } from '../../../packages/clearclip/src/cli/eval.js';
import { buildDataset, fakeSegmenter } from './build-datasets.js';
import { Capture, readJson, tempDir } from './helpers.js';

const deps = () => ({ segmenterFactory: async () => fakeSegmenter, stdout: new Capture(), stderr: new Capture() });

t.test('parseShard / selectShard', async (t) => {
  t.same(parseShard('2/5'), { index: 2, count: 5 });
  t.same(selectShard([0, 1, 2, 3, 4, 5, 6], parseShard('1/3')), [1, 4]);
  t.throws(() => parseShard('5/5'), /0-based/);
  t.throws(() => parseShard('-1/5'), /i\/n/);
});

for (const [name, n] of [['cityscapes', 3], ['context59', 2], ['coco-stuff164k', 4]] as const) {
  t.test(`${name}: ${n} shards merged equal one full run exactly`, async (t) => {
    const root = tempDir(t, `shard-${name}`);
    buildDataset(root, name, 77 + n, 7);
    const full = path.join(root, 'full');
    t.equal(await evalCli(['--dataset', name, '--data-root', root, '--work-dir', full, '--no-progress'], deps()), 0);
    const shardDirs: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const d = path.join(root, 'shards', `s${i}`);
      shardDirs.push(d);
      t.equal(await evalCli(['--dataset', name, '--data-root', root, '--work-dir', d, '--shard', `${i}/${n}`, '--no-progress'], deps()), 0);
      const a = readJson(path.join(d, 'areas.json'));
      t.same(a.shard, { index: i, count: n });
      for (const id of a.imageIds) {
        t.notOk(seen.has(id), `image ${id} in one shard only`);
        seen.add(id);
      }
      t.equal(readJson(path.join(d, 'results.json')).partial, n > 1);
    }
    const merged = path.join(root, 'merged');
    const out = new Capture();
    // Shards given in reverse order, and via their parent folder: both must give the same sums.
    t.equal(await mergeCli([...shardDirs].reverse().concat('--work-dir', merged), { stdout: out, stderr: new Capture() }), 0);
    const a = readJson(path.join(full, 'results.json'));
    const b = readJson(path.join(merged, 'results.json'));
    t.same(b.areas, a.areas, 'areas identical');
    t.same(b.summary, a.summary, 'summary identical');
    t.same(b.summaryFractions, a.summaryFractions, 'unrounded summary identical');
    t.same(b.perClass, a.perClass, 'per-class identical');
    t.same(b.images, a.images);
    t.equal(b.partial, false);
    t.equal(readFileSync(path.join(merged, 'results.csv'), 'utf8'), readFileSync(path.join(full, 'results.csv'), 'utf8'), 'csv identical');
    const merged2 = path.join(root, 'merged2');
    t.equal(await mergeCli([path.join(root, 'shards'), '--work-dir', merged2], { stdout: new Capture(), stderr: new Capture() }), 0);
    t.same(readJson(path.join(merged2, 'results.json')).areas, a.areas, 'parent folder of the shards works too');
    t.match(out.text, /merged \d shard\(s\)/);
  });
}

t.test('merge refuses missing, duplicate and mismatched shards', async (t) => {
  const root = tempDir(t, 'merge-bad');
  buildDataset(root, 'ade20k', 5, 6);
  const run = (extra: string[], dir: string) => evalCli(['--dataset', 'ade20k', '--data-root', root, '--work-dir', dir, '--no-progress', ...extra], deps());
  const s = (i: number) => path.join(root, `s${i}`);
  for (let i = 0; i < 3; i++) t.equal(await run(['--shard', `${i}/3`], s(i)), 0);
  const merge = async (...dirs: string[]) => {
    const err = new Capture();
    const code = await mergeCli([...dirs, '--work-dir', path.join(root, 'm')], { stdout: new Capture(), stderr: err });
    return { code, err: err.text };
  };
  t.match(await merge(s(0), s(1)), { code: 1, err: /missing shard\(s\) 2\/3/ });
  cpSync(s(1), path.join(root, 'copy1'), { recursive: true });
  t.match(await merge(s(0), s(1), path.join(root, 'copy1'), s(2)), { code: 1, err: /shard 1\/3 given twice/ });
  t.equal(await run(['--shard', '2/3', '--prob-thd', '0.2'], path.join(root, 'other')), 0);
  t.match(await merge(s(0), s(1), path.join(root, 'other')), { code: 1, err: /other settings.*probThd/ });
  t.equal(await run(['--shard', '1/2'], path.join(root, 'two')), 0);
  t.match(await merge(s(0), path.join(root, 'two'), s(2)), { code: 1, err: /is shard 1\/2/ });
  t.equal(await run(['--shard', '2/3', '--limit', '1'], path.join(root, 'limited')), 0);
  t.match(await merge(s(0), s(1), path.join(root, 'limited')), { code: 1, err: /cover \d+ of 6 images/ });
  // The same images claimed by two shards (a tampered file) are caught.
  const f = path.join(root, 'copy1', 'areas.json');
  const a = JSON.parse(readFileSync(f, 'utf8'));
  a.shard.index = 2;
  writeFileSync(f, JSON.stringify(a));
  t.match(await merge(s(0), s(1), path.join(root, 'copy1')), { code: 1, err: /is in both/ });
  t.match(await merge(path.join(root, 'nothing-here')), { code: 1, err: /not a folder/ });
  t.match(await merge(), { code: 2, err: /give the shard folders/ });
  t.equal(await merge(s(0), s(1), s(2)).then((r) => r.code), 0, 'the three real shards merge');
  t.equal(await evalCli(['merge', s(0), s(1), s(2), '--work-dir', path.join(root, 'm2')], deps()), 0, '`eval merge` routes to mergeCli');
});

t.test('shards get their own default work dir', async (t) => {
  const root = tempDir(t, 'wd');
  buildDataset(root, 'voc20', 3, 4);
  const cwd = process.cwd();
  process.chdir(root);
  t.teardown(() => process.chdir(cwd));
  t.equal(await evalCli(['--dataset', 'voc20', '--data-root', root, '--shard', '1/2', '--no-progress'], deps()), 0);
  t.ok(readJson(path.join(root, 'work_dirs/eval/voc20/shard-1-of-2/areas.json')));
});
