// Every matmul variant (lane, tiled, subgroup) against the float64 reference on the default adapter (lavapipe in CI; CLEARCLIP_ADAPTER
// picks another). matmul-variants-swiftshader.test.ts runs the same cases on SwiftShader.
import t from 'tap';
import { MATMUL_VARIANTS } from '@clearclip/tensor';
import { testDevice } from '../helpers/device.js';
import { runMatmulCase, VARIANT_CASES, VARIANT_CASES_F16 } from '../helpers/matmul-check.js';

t.test('every matmul variant matches the float64 reference (f32, f16 storage, batched, transposed, epilogues)', async (t) => {
  const dev = await testDevice();
  t.comment(dev.describe());
  for (const v of MATMUL_VARIANTS) {
    t.test(v.name, async (t) => {
      // Feature-bound variants (subgroups) are not offered everywhere: they say so, and are tested where they run.
      if (!v.supports(dev, { dtype: 'f32', batch: 1, M: 1, N: 1, K: 1, transposed: false, vecA: false, vecB: false })) {
        t.comment(`skipped: not supported on ${dev.describe()}`);
        t.pass('not supported here');
        return;
      }
      for (const [i, c] of VARIANT_CASES.entries()) await runMatmulCase(t, dev, v.name, 'f32', c, 10 * i);
      if (dev.hasF16) for (const [i, c] of VARIANT_CASES_F16.entries()) await runMatmulCase(t, dev, v.name, 'f16', c, 10 * i + 5);
      else t.comment(`no shader-f16 on this adapter: f16 storage not tested here`);
    });
  }
});
