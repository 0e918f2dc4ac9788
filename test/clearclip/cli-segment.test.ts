import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import pngjs from 'pngjs';
import { decodeIndexPng } from 'clearclip/eval';
// Importing the entry module must not run it (it would exit this process).
import { main } from '../../packages/clearclip/src/cli/main.js';
import { requireShared } from '../helpers/fixtures.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mainTs = path.join(repo, 'packages/clearclip/src/cli/main.ts');
// PASCAL VOC colormap entries 1..5 (the CLI gives class k VOC colour k + 1).
const VOC_1_TO_5 = [[128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128], [128, 0, 128]];
const CLASSES = ['sky', 'hill', 'tree', 'horse', 'grass'];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'clearclip-cli-'));
t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
// The converted weights and query features go here, not into ~/.cache.
process.env.CLEARCLIP_CACHE = path.join(tmp, 'cache');

function shared(t: Test) {
  const image = requireShared(t, 'images', 'horses.jpg');
  const weights = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  return image && weights && vocab ? { image, weights, vocab } : null;
}

function readPng(file: string): pngjs.PNGWithMetadata {
  return pngjs.PNG.sync.read(readFileSync(file));
}

t.test('clearclip segment end to end: label PNG, overlay PNG and JSON at the original size', async (t) => {
  const s = shared(t);
  if (!s) return;
  const out = path.join(tmp, 'out');
  const code = await main([
    'segment', s.image, '--weights', s.weights, '--vocab', s.vocab, '--classes', CLASSES.join(','),
    '--short-side', '200', '--crop', '224', '--stride', '112', '--json', '--out', out,
  ]);
  t.equal(code, 0);
  t.ok(existsSync(path.join(process.env.CLEARCLIP_CACHE!, 'runtime')), 'checkpoint converted into $CLEARCLIP_CACHE');

  const label = readPng(path.join(out, 'horses.label.png'));
  t.same([label.width, label.height], [2048, 1367], 'label PNG at the original size');
  const counts = new Array<number>(CLASSES.length).fill(0);
  let foreign = 0;
  const key = VOC_1_TO_5.map((c) => c.join());
  for (let i = 0; i < label.width * label.height; i++) {
    const k = key.indexOf(`${label.data[4 * i]},${label.data[4 * i + 1]},${label.data[4 * i + 2]}`);
    if (k < 0) foreign++;
    else counts[k]++;
  }
  t.equal(foreign, 0, 'every label pixel has a class colour');
  // The same file read as an indexed PNG gives the class indices themselves, agreeing with the colours.
  const indices = decodeIndexPng(readFileSync(path.join(out, 'horses.label.png')));
  let disagree = 0;
  for (let i = 0; i < label.width * label.height; i++) {
    if (key[indices.data[i]] !== `${label.data[4 * i]},${label.data[4 * i + 1]},${label.data[4 * i + 2]}`) disagree++;
  }
  t.equal(disagree, 0, 'palette index = class index, palette colour = class colour');

  const overlay = readPng(path.join(out, 'horses.overlay.png'));
  t.same([overlay.width, overlay.height], [2048, 1367], 'overlay PNG at the original size');

  const json = JSON.parse(readFileSync(path.join(out, 'horses.json'), 'utf8'));
  t.same([json.width, json.height], [2048, 1367]);
  t.same(json.inferenceSize, [200, 300], 'resized as mmseg Resize((2048, 200), keep_ratio)');
  t.equal(json.windows, 2, 'the fixture settings give 2 windows at 200x300');
  t.same(json.classes.map((c: { name: string }) => c.name), CLASSES);
  const shares = json.classes.map((c: { share: number }) => c.share) as number[];
  t.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-9, `shares sum to 1 (${shares.reduce((a, b) => a + b, 0)})`);
  // Recounted from the label PNG, independently of the CLI's own count.
  const n = label.width * label.height;
  t.same(shares, counts.map((c) => c / n), 'shares match the label PNG');
  t.same(json.classes.map((c: { colour: number[] }) => c.colour), VOC_1_TO_5, 'colours in the JSON');
  const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
  const p = json.provenance;
  t.equal(p.model.weightsArg, path.resolve(s.weights), 'provenance: the --weights file');
  t.equal(p.model.weightsArgSha256, sha(s.weights), 'provenance: its sha256');
  t.ok(existsSync(p.model.weightsFile), 'provenance: the runtime file loaded');
  t.equal(p.model.weightsSha256, sha(p.model.weightsFile), 'provenance: the runtime file\'s sha256');
  t.equal(p.model.dtype, 'f32');
  t.same(p.inference.scale, [2048, 200]);
  t.same([p.inference.crop, p.inference.stride, p.inference.logitScale, p.inference.probThd, p.inference.preset], [224, 112, 50, 0, 'clearclip']);
  t.equal(p.library.version, JSON.parse(readFileSync(path.join(repo, 'packages/clearclip/package.json'), 'utf8')).version);
  t.ok(p.adapter.length > 0, `adapter: ${p.adapter}`);
  t.ok(json.timingsMs.decode > 1, `decode timing measures decoding a 2048x1367 JPEG (${json.timingsMs.decode} ms)`);
  t.equal(json.labelPng.format, 'palette');
});

t.test('errors name the argument or the file', async (t) => {
  const s = shared(t);
  if (!s) return;
  const base = ['--weights', s.weights, '--vocab', s.vocab, '--out', path.join(tmp, 'err')];
  await t.rejects(main(['segment', s.image, ...base]), /give exactly one of --classes and --classes-file/);
  await t.rejects(main(['segment', s.image, ...base, '--classes', 'sky', '--preset', 'bogus']), /--preset: unknown "bogus" \(known: clearclip, vanilla, maskclip, sclip\)/);
  const fake = path.join(tmp, 'not-an-image.png');
  writeFileSync(fake, 'this is text, not a PNG\n');
  // An undecodable image is reported and the batch ends with exit status 1 (cli-checks.test.ts has the details).
  const write = process.stderr.write.bind(process.stderr);
  const err: string[] = [];
  process.stderr.write = ((c: string) => (err.push(String(c)), true)) as typeof process.stderr.write;
  try {
    t.equal(await main(['segment', fake, ...base, '--classes', 'sky']), 1);
  } finally {
    process.stderr.write = write;
  }
  t.match(err.join(''), new RegExp(`cannot decode ${fake.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a PNG or JPEG`));
  t.notOk(existsSync(path.join(tmp, 'err', 'not-an-image.label.png')), 'nothing written for it');
});

t.test('executed through a symlink (as the npm bin link): runs, prints the error, exits non-zero', async (t) => {
  const link = path.join(tmp, 'clearclip');
  symlinkSync(mainTs, link);
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--conditions=clearclip-source', '--import=tsx', link, ...args], { cwd: repo, encoding: 'utf8', env: process.env, timeout: 60_000 });
  const help = run(['segment', '--help']);
  t.equal(help.status, 0, help.stderr);
  t.match(help.stdout, /usage: clearclip segment IMAGE/);
  const bad = run(['segment', 'x.png', '--classes', 'sky', '--preset', 'bogus']);
  t.equal(bad.status, 2, 'exit status 2');
  t.match(bad.stderr, /^clearclip: --preset: unknown "bogus"/);
});
