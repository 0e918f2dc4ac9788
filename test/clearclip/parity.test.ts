import t from 'tap';
import { runParity } from '../../packages/clearclip/src/parity/run.js';
import { formatRows } from '../../packages/clearclip/src/parity/compare.js';
import { testDevice } from '../helpers/device.js';
import { requireShared, sharedPath, skipUnlessFeature } from '../helpers/fixtures.js';

// Every tensor of the clip-tiny-b16 fixture that the project computes, through the convert-and-load path a user
// takes. Tolerances live in packages/clearclip/src/parity/tolerances.ts (f32: 1e-5 x max|ref| for model outputs;
// seg.pred identical but for the near-tie pixels the fixture README counts).
for (const dtype of ['f32', 'f16'] as const) {
  t.test(`clip-tiny-b16 parity in ${dtype}`, async (t) => {
    const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
    if (!dir) return;
    const dev = await testDevice();
    if (dtype === 'f16' && !skipUnlessFeature(t, dev.hasF16, `${dev.describe()} has no shader-f16`)) return;
    const rows = await runParity(dev, dir, { dtype, vocab: sharedPath('vocab', 'bpe_simple_vocab_16e6.txt.gz') });
    t.comment(`\n${formatRows(rows)}`);
    const computed = rows.filter((r) => r.status !== 'input');
    t.ok(computed.length >= 30, `computes ${computed.length} tensors`);
    for (const r of rows) {
      if (r.status === 'input') continue;
      t.equal(r.status, 'pass', `${r.name}: ${r.maxAbs ?? '-'} (tol ${r.tol ?? '-'})${r.note ? ` ${r.note}` : ''}`);
    }
  });
}
