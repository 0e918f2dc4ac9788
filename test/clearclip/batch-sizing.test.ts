import t from 'tap';
import { ClipTokenizer } from '@clearclip/vit';
import { queryFeatures } from 'clearclip';
import { requireShared } from '../helpers/fixtures.js';
import { loadFixtureClip } from './helpers/fixture-model.js';

// Batches are sized so that no intermediate passes the device's binding limit: per item the fused projection
// [L, 3W], the MLP hidden [L, mlp] or the attention weights [H, L, L], whichever is largest.
t.test('vision and text batch limits follow the largest per-item intermediate', async (t) => {
  const clip = await loadFixtureClip(t);
  if (!clip) return;
  // Vision (W 64, 4 heads, MLP 256) at 224x224: L = 197; attention 4*197*197 = 155236 floats dominate.
  const perWindow = 4 * 4 * 197 * 197;
  t.equal(clip.visual.maxBatch(224, 224, 3 * perWindow), 3);
  t.equal(clip.visual.maxBatch(224, 224, 3 * perWindow - 1), 2);
  t.equal(clip.visual.maxBatch(224, 224, 10), 1, 'never below one');
  // Text (W 32, 2 heads, MLP 128) at L = 13: MLP hidden 13*128 = 1664 floats vs attention 2*13*13 = 338.
  t.equal(clip.text.maxBatch(13, 4 * 1664 * 5), 5);
});

t.test('query features do not depend on how the prompts are split into batches', async (t) => {
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  const clip = await loadFixtureClip(t);
  if (!clip || !vocab) return;
  const tok = await ClipTokenizer.fromBpeGz(vocab);
  const names = ['sky', 'a very long class name with many words in it', 'horse'];
  const sizes: number[] = [];
  const whole = await queryFeatures(clip, tok, names, { cacheDir: null, plan: 'fifo' });
  const split = await queryFeatures(clip, tok, names, { cacheDir: null, plan: 'fifo', batch: 37, onBatch: (n) => sizes.push(n) });
  t.same(sizes, [37, 37, 37, 37, 37, 37, 18], '240 prompts in batches of at most 37');
  // Each prompt's features come from its own row; batching changes which rows share a launch, not the sums.
  t.same(Array.from(split), Array.from(whole), 'identical features');
});
