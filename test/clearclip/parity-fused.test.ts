import t from 'tap';
import { adapterClass } from '@clearclip/tensor';
import { useFusedAttention, useFusedLayerNorm, fusedAttentionEnabled, fusedLayerNormEnabled } from '@clearclip/vit';
import { runParity } from '../../packages/clearclip/src/parity/run.js';
import { formatRows } from '../../packages/clearclip/src/parity/compare.js';
import { testDevice } from '../helpers/device.js';
import { requireShared, sharedPath, skipUnlessFeature } from '../helpers/fixtures.js';

// The fused paths hardware GPUs take by default (vit/src/fusion.ts: one attention launch per block, ln_1 / ln_2
// folded into the projections), forced on here so that the software adapters of CI check them against the same
// fixture and the same tolerances as parity.test.ts checks the separate launches.
for (const dtype of ['f32', 'f16'] as const) {
  t.test(`clip-tiny-b16 parity in ${dtype} with fused attention and layer norms folded into the projections`, async (t) => {
    const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
    if (!dir) return;
    const dev = await testDevice();
    if (dtype === 'f16' && !skipUnlessFeature(t, dev.hasF16, `${dev.describe()} has no shader-f16`)) return;
    useFusedAttention(true);
    useFusedLayerNorm(true);
    t.teardown(() => {
      useFusedAttention(null);
      useFusedLayerNorm(null);
    });
    t.ok(fusedAttentionEnabled(dev) && fusedLayerNormEnabled(dev), 'both fused paths are on');
    const before = dev.stats().dispatches;
    const rows = await runParity(dev, dir, { dtype, vocab: sharedPath('vocab', 'bpe_simple_vocab_16e6.txt.gz') });
    t.comment(`\n${formatRows(rows)}\n${dev.stats().dispatches - before} dispatches`);
    const computed = rows.filter((r) => r.status !== 'input');
    t.ok(computed.length >= 30, `computes ${computed.length} tensors`);
    for (const r of rows) {
      if (r.status === 'input') continue;
      t.equal(r.status, 'pass', `${r.name}: ${r.maxAbs ?? '-'} (tol ${r.tol ?? '-'})${r.note ? ` ${r.note}` : ''}`);
    }
  });
}

t.test('fusion switches: explicit choices win, null returns to the adapter default', async (t) => {
  const dev = await testDevice();
  useFusedLayerNorm(true);
  t.ok(fusedLayerNormEnabled(dev));
  useFusedLayerNorm(false);
  t.notOk(fusedLayerNormEnabled(dev));
  useFusedLayerNorm(null);
  const hw = adapterClass(dev) === 'hardware';
  t.equal(fusedLayerNormEnabled(dev), hw, `adapter default for ${dev.describe()}`);
  useFusedAttention(null);
  t.equal(fusedAttentionEnabled(dev), hw, 'likewise for attention');
  t.notOk(fusedAttentionEnabled(), 'without a device only an explicit choice turns it on');
});
