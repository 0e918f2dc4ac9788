// Issue 14 items 6 and 10: concurrent segment() calls on one instance, each computing new queries, give exactly
// what sequential calls give; a query cache that cannot be written warns and the results are still returned.
import t from 'tap';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClearCLIP, newRgbImage, queryFeatures } from 'clearclip';
import { requireShared } from '../helpers/fixtures.js';
import { testDevice } from '../helpers/device.js';

function image(w: number, h: number, seed: number) {
  const img = newRgbImage(w, h);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * (seed * 2 + 1) * 37 + seed) & 0xff;
  return img;
}

const CLASSES = Array.from({ length: 8 }, (_, i) => [`red thing ${i}`, `blue thing ${i}`, `green ${i}`]);

t.test('6: 8 concurrent segment() calls with new classes equal 8 sequential calls, bit for bit', async (t) => {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  if (!dir || !vocab) return;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'clearclip-conc-'));
  t.teardown(() => rm(tmp, { recursive: true, force: true }));
  process.env.CLEARCLIP_CACHE = path.join(tmp, 'cache');
  const device = await testDevice();
  const opts = { scale: [2048, 48] as [number, number], crop: 32, stride: 16, probs: true };
  const images = CLASSES.map((_, i) => image(40 + 4 * i, 36, i));

  const seq = await ClearCLIP.load({ weights: dir, vocab, device, cacheDir: path.join(tmp, 'seq') });
  t.teardown(() => seq.dispose());
  const expected = [];
  for (let i = 0; i < 8; i++) expected.push(await seq.segment(images[i], CLASSES[i], opts));

  const conc = await ClearCLIP.load({ weights: dir, vocab, device, cacheDir: path.join(tmp, 'conc') });
  t.teardown(() => conc.dispose());
  // The same class list twice at once as well: both calls write the same cache entries.
  const got = await Promise.all([...images.map((img, i) => conc.segment(img, CLASSES[i], opts)), conc.segment(images[0], CLASSES[0], opts)]);
  for (let i = 0; i < 8; i++) {
    t.same(Buffer.from(got[i].pred.buffer).equals(Buffer.from(expected[i].pred.buffer)), true, `call ${i}: labels identical`);
    t.same(Buffer.from(got[i].probs!.buffer).equals(Buffer.from(expected[i].probs!.buffer)), true, `call ${i}: probabilities identical`);
  }
  t.ok(Buffer.from(got[8].probs!.buffer).equals(Buffer.from(expected[0].probs!.buffer)), 'the repeated call too');
  const cached = (await readdir(path.join(tmp, 'conc', 'queries'), { recursive: true })).map(String);
  t.notOk(cached.some((f) => f.endsWith('.tmp')), 'no temporary files left in the query cache');

  // Overlapping async scopes on one device are reported, not silently mixed.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const first = device.scopeAsync(async () => {
    await new Promise((r) => setTimeout(r, 5));
  });
  const second = device.scopeAsync(async () => {
    await gate;
  });
  await t.rejects(first, /another async scope was opened on this device and is still open/, 'the first to close while the other is open');
  release();
  await second;
});

t.test('10: a query cache that cannot be written warns and continues uncached', async (t) => {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  if (!dir || !vocab) return;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'clearclip-nocache-'));
  t.teardown(() => rm(tmp, { recursive: true, force: true }));
  process.env.CLEARCLIP_CACHE = path.join(tmp, 'cache');
  const seg = await ClearCLIP.load({ weights: dir, vocab, device: await testDevice(), cacheDir: path.join(tmp, 'cache') });
  t.teardown(() => seg.dispose());
  // A file where the cache folder should be: mkdir fails (ENOTDIR) whoever runs the test, root included.
  const blocker = path.join(tmp, 'blocker');
  await writeFile(blocker, 'x');
  const warnings: string[] = [];
  const names = ['cat', 'dog'];
  const uncached = await queryFeatures(seg.clip, seg.tokenizer, names, { cacheDir: path.join(blocker, 'sub'), onWarn: (m) => warnings.push(m) });
  const plain = await queryFeatures(seg.clip, seg.tokenizer, names, { cacheDir: null });
  t.ok(Buffer.from(uncached.buffer).equals(Buffer.from(plain.buffer)), 'same features as with no cache');
  t.equal(warnings.length, 1, 'one warning');
  t.match(warnings[0], /query cache .*blocker.* cannot be written \(ENOTDIR\); continuing without caching/);
});
