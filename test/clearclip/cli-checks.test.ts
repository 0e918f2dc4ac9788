// Issue 14 items 11, 12, 13, the split-file message of 14, and issue 8's "inputs checked before any model loads".
import t from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import pngjs from 'pngjs';
import { main } from '../../packages/clearclip/src/cli/main.js';
import { checkSegmentSettings } from 'clearclip';
import { listSamples, type EvalSettings } from 'clearclip/eval';
import { requireShared } from '../helpers/fixtures.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'clearclip-checks-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
process.env.CLEARCLIP_CACHE = path.join(tmp, 'cache');

function png(file: string, w: number, h: number, seed: number): string {
  const p = new pngjs.PNG({ width: w, height: h });
  for (let i = 0; i < p.data.length; i++) p.data[i] = (i * seed * 31) & 0xff;
  writeFileSync(file, pngjs.PNG.sync.write(p));
  return file;
}

t.test('12 + issue 8: bad settings and inputs are refused before any model is downloaded or loaded', async (t) => {
  // No --weights, offline, empty hub cache: reaching the model would fail with "offline ... not in the cache".
  process.env.HF_HUB_OFFLINE = '1';
  process.env.HF_HUB_CACHE = path.join(tmp, 'empty-hub');
  t.teardown(() => {
    delete process.env.HF_HUB_OFFLINE;
    delete process.env.HF_HUB_CACHE;
  });
  const img = png(path.join(tmp, 'ok.png'), 8, 8, 1);
  const run = (...args: string[]) => main(['segment', img, '--classes', 'sky,tree', '--out', path.join(tmp, 'o12'), ...args]);
  await t.rejects(run('--crop', '100', '--stride', '224'), /^--crop: 100 is smaller than stride 224: bands between windows would be covered by none$/);
  await t.rejects(run('--stride', '500'), /^--crop: 448 is smaller than stride 500/, 'the default crop counts');
  await t.rejects(run('--short-side', '0'), /^--short-side: expected an integer >= 1, got 0$/);
  await t.rejects(run('--stride', '0'), /^--stride: expected an integer >= 1, got 0$/);
  await t.rejects(run('--prob-thd', '1.5'), /^--prob-thd: expected a probability in \[0, 1\], got 1\.5$/);
  await t.rejects(run('--prob-thd=-0.1'), /^--prob-thd: expected a probability/);
  await t.rejects(run('--logit-scale', '0'), /^--logit-scale: expected a number > 0, got 0$/);
  await t.rejects(run('--logit-scale=-3'), /^--logit-scale: expected a number > 0/);
  for (const p of ['__proto__', 'toString', 'constructor']) await t.rejects(run('--preset', p), new RegExp(`^--preset: unknown "${p}"`));
  await t.rejects(main(['segment', path.join(tmp, 'nope.png'), '--classes', 'sky']), /^image .*nope\.png: no such file$/);
  await t.rejects(main(['segment', tmp, '--classes', 'sky']), new RegExp(`^image ${tmp.replace(/[.]/g, '\\.')}: is a directory$`));
  await t.rejects(run('--vocab', path.join(tmp, 'no-vocab.gz')), /^--vocab .*no-vocab\.gz: file not found$/);
  await t.rejects(run('--weights', path.join(tmp, 'no-weights')), /^--weights .*no-weights: not found$/);
  writeFileSync(path.join(tmp, 'afile'), 'x');
  await t.rejects(main(['segment', img, '--classes', 'sky', '--out', path.join(tmp, 'afile')]), /^--out .*afile: exists and is not a folder$/);
  await t.rejects(main(['segment', img, '--classes', 'sky', '--out', path.join(tmp, 'afile', 'sub')]), /^--out .*: cannot be created \(.*afile is not a folder\)$/);
  // A folder nobody may write into (permissions cannot show it when tests run as root; /proc refuses everyone).
  if (existsSync('/proc/self')) await t.rejects(main(['segment', img, '--classes', 'sky', '--out', '/proc/self']), /^--out \/proc\/self: folder is not writable \(E[A-Z]+\)$/);
  // With everything valid, the first failure is the model (offline), proving the checks above ran before it.
  await t.rejects(run(), /offline \(HF_HUB_OFFLINE\)/);
  t.notOk(existsSync(path.join(tmp, 'o12')), '--out not created by any of these');

  // The library names its options.
  t.throws(() => checkSegmentSettings({ crop: 100, stride: 200 }), { name: 'SettingsError', message: /^crop: 100 is smaller than stride 200/ });
  t.throws(() => checkSegmentSettings({ form: '__proto__' as never }), { name: 'SettingsError', message: /^form: unknown preset "__proto__"/ });
  t.throws(() => checkSegmentSettings({ scale: [2048, 0] }), { name: 'SettingsError', message: /^scale:/ });
  t.doesNotThrow(() => checkSegmentSettings({ crop: 0, stride: 224, probThd: 1, logitScale: 50, form: 'sclip' }), 'crop 0 = whole image');
});

t.test('14: an empty or directory split file is named as such', async (t) => {
  const root = path.join(tmp, 'voc');
  mkdirSync(path.join(root, 'img'), { recursive: true });
  writeFileSync(path.join(root, 'img', 'a.jpg'), '');
  writeFileSync(path.join(root, 'val.txt'), '\n  \n');
  const s = { dataset: 'voc21', dataRoot: root, imgDir: 'img', annDir: 'ann', splitFile: 'val.txt', imgSuffix: '.jpg', segMapSuffix: '.png' } as unknown as EvalSettings;
  await t.rejects(listSamples(s), /voc21: split file .*val\.txt lists no images \(it is empty\)/);
  mkdirSync(path.join(root, 'splitdir'));
  await t.rejects(listSamples({ ...s, splitFile: 'splitdir' }), /voc21: split file .*splitdir is a directory/);
});

t.test('11 + 13: a batch keeps going past a bad image, makes clashing names unique, exits non-zero; --weights takes a folder', async (t) => {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  if (!dir || !vocab) return;
  mkdirSync(path.join(tmp, 'x'));
  mkdirSync(path.join(tmp, 'y'));
  const a1 = png(path.join(tmp, 'x', 'a.png'), 40, 30, 3);
  const a2 = png(path.join(tmp, 'y', 'a.png'), 30, 40, 5);
  const bad = path.join(tmp, 'x', 'broken.png');
  writeFileSync(bad, 'not an image');
  const out = path.join(tmp, 'batch');
  const args = ['--weights', dir, '--vocab', vocab, '--classes', 'sky,tree', '--short-side', '32', '--crop', '0'];
  const stderr: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((c: string) => (stderr.push(String(c)), true)) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(['segment', a1, bad, a2, ...args, '--out', out]);
  } finally {
    process.stderr.write = write;
  }
  t.equal(code, 1, 'exit status 1 after the batch');
  const log = stderr.join('');
  t.match(log, /note: .*y\/a\.png has the same name as .*x\/a\.png: its outputs are written as a-2\.\*/);
  t.match(log, /broken\.png: FAILED: cannot decode .*broken\.png: not a PNG or JPEG/);
  t.match(log, /clearclip: 1 of 3 image\(s\) failed: .*broken\.png/);
  t.same(readdirSync(out).sort(), ['a-2.label.png', 'a-2.overlay.png', 'a.label.png', 'a.overlay.png'], 'both a.png kept; images after the bad one done');
  t.same([pngjs.PNG.sync.read(readFileSync(path.join(out, 'a-2.label.png'))).width], [30], 'a-2 is y/a.png');

  // Only failures: no --out folder is left behind.
  const out2 = path.join(tmp, 'none');
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    t.equal(await main(['segment', bad, ...args, '--out', out2]), 1);
  } finally {
    process.stderr.write = write;
  }
  t.notOk(existsSync(out2), 'no empty --out folder');
});

t.test('13 + issue 13: --weights <folder> with --json records the checkpoint inside the folder and its sha256', async (t) => {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  if (!dir || !vocab) return;
  const img = png(path.join(tmp, 'folder-json.png'), 40, 30, 7);
  const out = path.join(tmp, 'folder-json');
  const code = await main(['segment', img, '--weights', dir, '--vocab', vocab, '--classes', 'sky,tree', '--short-side', '32', '--crop', '0', '--json', '--out', out]);
  t.equal(code, 0, 'the image is segmented (a folder is not hashed as a file)');
  const p = JSON.parse(readFileSync(path.join(out, 'folder-json.json'), 'utf8')).provenance;
  const ckpt = path.join(dir, 'open_clip_model.safetensors');
  t.equal(p.model.weightsArg, path.resolve(ckpt), 'the checkpoint the folder holds');
  t.equal(p.model.weightsArgSha256, createHash('sha256').update(readFileSync(ckpt)).digest('hex'), 'and its sha256');
});
