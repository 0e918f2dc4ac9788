// ClearCLIP.load precompiles a default segmentation by tracing it (launches noted, not run). Anything the trace
// would memoise (the position embedding interpolated for a 448 window, the last block's sliced projections) must be
// made for real, or never kept: a segmentation after a precompiled load equals one after a plain load, bit for bit.
import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClearCLIP, newRgbImage } from 'clearclip';
import { requireShared } from '../helpers/fixtures.js';
import { testDevice } from '../helpers/device.js';

t.test('a precompiled load segments exactly as a plain load, at the default window size', async (t) => {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  if (!dir || !vocab) return;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'clearclip-precompile-'));
  t.teardown(() => rm(tmp, { recursive: true, force: true }));
  const device = await testDevice();
  const img = newRgbImage(520, 450);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 131 + (i >> 7)) & 0xff;
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
