// ClearCLIP.load precompiles a default segmentation by tracing it (launches noted, not run). Anything the trace
// would memoise (the position embedding interpolated for a 448 window, the last block's sliced projections) must be
// made for real, or never kept: a segmentation after a precompiled load equals one after a plain load, bit for bit.
import t, { type Test } from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClearCLIP, newRgbImage } from 'clearclip';
import { requireShared } from '../helpers/fixtures.js';
import { testDevice } from '../helpers/device.js';
import { GpuDevice } from '@clearclip/tensor';

/** The fixture model, the vocabulary and a temporary cache folder removed after the test; null when a file is missing. */
async function setup(t: Test): Promise<{ dir: string; vocab: string; tmp: string } | null> {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  if (!dir || !vocab) return null;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'clearclip-precompile-'));
  t.teardown(() => rm(tmp, { recursive: true, force: true }));
  return { dir, vocab, tmp };
}

/** A 520 x 450 picture of a fixed pattern (two windows at the default settings). */
function pattern(mul: number, shift: number) {
  const img = newRgbImage(520, 450);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * mul + (i >> shift)) & 0xff;
  return img;
}

t.test('a precompiled load segments exactly as a plain load, at the default window size', async (t) => {
  const s = await setup(t);
  if (!s) return;
  const { dir, vocab, tmp } = s;
  const device = await testDevice();
  const img = pattern(131, 7);
  const classes = 'sky,tree,horse,grass';
  const run = async (precompile: boolean) => {
    const before = device.stats().pipelines;
    const seg = await ClearCLIP.load({ weights: dir, vocab, device, cacheDir: path.join(tmp, String(precompile)), precompile });
    const made = device.stats().pipelines - before;
    const r = await seg.segment(img, classes, { probs: true });
    seg.dispose();
    return { r, made };
  };
  const plain = await run(false);
  const pre = await run(true);
  t.equal(Buffer.from(pre.r.pred.buffer).equals(Buffer.from(plain.r.pred.buffer)), true, 'labels identical');
  t.equal(Buffer.from(pre.r.probs!.buffer).equals(Buffer.from(plain.r.probs!.buffer)), true, 'probabilities identical');
  t.equal(plain.made, 0, 'a plain load creates no pipeline');
  t.comment(`precompiled load created ${pre.made} pipelines (the device had compiled the plain run's already)`);
});

t.test('after a precompiled load, a first segmentation with uncached classes creates no pipeline on a fresh device', async (t) => {
  const s = await setup(t);
  if (!s) return;
  const { dir, vocab, tmp } = s;
  // Its own device, so that no earlier test compiled anything for it.
  const device = await GpuDevice.create();
  t.teardown(() => device.destroy());
  const seg = await ClearCLIP.load({ weights: dir, vocab, device, cacheDir: path.join(tmp, 'cache') });
  const img = pattern(97, 5);
  const before = device.stats().pipelines;
  t.ok(before > 0, `the load created ${before} pipelines`);
  // Queries by the prefix plan (a fresh cache), two windows, the merge, the resize to the photo and both
  // post-processing kernels: all traced at load.
  const r = await seg.segment(img, 'sky,tree,horse', { probs: true });
  t.equal(r.width, 520);
  t.equal(device.stats().pipelines - before, 0, 'no pipeline created by the first segmentation');
  seg.dispose();
});
