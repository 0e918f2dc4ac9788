import t from 'tap';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { COCO_OBJECT_LUT, convertCocoObject, decodeIndexPng, encodeIndexPng, formatDuration, Progress } from 'clearclip/eval';
import { convertCocoObjectCli } from '../../../packages/clearclip/src/cli/eval.js';
import { COCO_THING_IDS, writeRgbPng } from './build-datasets.js';
import { Capture, tempDir } from './helpers.js';

t.test('COCO-Object table follows upstream cvt_coco_object.py', async (t) => {
  // Hand-read from upstream's clsID_to_trID (train id + 1 for keys <= 90; keys > 90, 255 included, -> 0).
  const cases: [number, number][] = [
    [0, 1], [10, 11], [12, 12], [24, 24], [26, 25], [27, 26], [30, 27], [45, 41], [66, 61], [69, 62], [71, 63],
    [83, 74], [89, 80], [91, 0], [120, 0], [181, 0], [255, 0],
    // Ids that are no COCO category are not in the table and keep their value.
    [11, 11], [90, 90], [182, 182], [254, 254],
  ];
  for (const [raw, want] of cases) t.equal(COCO_OBJECT_LUT[raw], want, `${raw} -> ${want}`);
  t.same(COCO_THING_IDS.map((id) => COCO_OBJECT_LUT[id]), Array.from({ length: 80 }, (_, i) => i + 1), 'things -> 1..80 in order');
});

t.test('convert-coco-object writes *_instanceTrainIds.png beside the raw maps, skipping TrainIds files', async (t) => {
  const root = tempDir(t, 'coco');
  const raw = Uint8Array.from([0, 91, 255, 12, 89, 181]);
  const annVal = path.join(root, 'annotations', 'val2017');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(annVal, { recursive: true });
  mkdirSync(path.join(root, 'annotations', 'train2017'), { recursive: true });
  writeFileSync(path.join(annVal, '000000000139.png'), encodeIndexPng({ width: 3, height: 2, data: raw }));
  writeFileSync(path.join(annVal, '000000000139_labelTrainIds.png'), encodeIndexPng({ width: 3, height: 2, data: raw }));
  writeFileSync(path.join(root, 'annotations', 'train2017', '000000000009.png'), encodeIndexPng({ width: 3, height: 2, data: raw }));
  writeRgbPng(path.join(root, 'images', 'val2017', '000000000139.jpg'), 3, 2, new Uint8Array(18));
  const out = new Capture();
  const code = await convertCocoObjectCli(['--data-root', root, '--out-dir', path.join(root, 'out')], { stdout: out, stderr: new Capture() });
  t.equal(code, 0);
  t.match(out.text, /converted 1 train2017, 1 val2017/);
  const conv = decodeIndexPng(await readFile(path.join(root, 'out', 'annotations', 'val2017', '000000000139_instanceTrainIds.png')));
  t.same(Array.from(conv.data), [1, 0, 0, 12, 80, 0]);
  t.notOk(existsSync(path.join(root, 'out', 'annotations', 'val2017', '000000000139_labelTrainIds_instanceTrainIds.png')));
  t.ok(existsSync(path.join(root, 'out', 'images', 'val2017', '000000000139.jpg')), 'images copied to a separate out dir');
  const r = await convertCocoObject({ dataRoot: root, splits: ['val2017'] });
  t.same(r.converted, { val2017: 1 });
  t.equal(await convertCocoObjectCli(['--data-root', path.join(root, 'nope')], { stdout: new Capture(), stderr: new Capture() }), 1);
  t.equal(await convertCocoObjectCli([], { stdout: new Capture(), stderr: new Capture() }), 2);
});

t.test('progress: plain lines off a terminal, a redrawn bar on one; rate and ETA', async (t) => {
  let now = 0;
  const plain = new Capture();
  const p = new Progress(10, { stream: plain, label: 'voc21', lineEverySec: 5, now: () => now });
  for (let i = 0; i < 10; i++) {
    now += 1;
    p.tick();
  }
  const lines = plain.text.trim().split('\n');
  // Lines at t=1 (first), t=6 (5 s later) and the last image (t=10).
  t.equal(lines.length, 3, plain.text);
  t.match(lines[0], /^voc21 1\/10 \(10\.0%\) 1\.00 img\/s elapsed 00:01 ETA 00:09$/);
  t.match(lines[2], /10\/10 \(100\.0%\)/);
  t.notMatch(plain.text, /\r/);
  const tty = new Capture();
  tty.isTTY = true;
  now = 0;
  const q = new Progress(4, { stream: tty, now: () => now });
  now = 2;
  q.tick(2);
  t.match(tty.text, /^\r\[#+\.+\] eval 2\/4 \(50\.0%\) 1\.00 img\/s elapsed 00:02 ETA 00:02/);
  t.equal(formatDuration(3725), '1:02:05');
  t.equal(formatDuration(Infinity), '--:--');
});
