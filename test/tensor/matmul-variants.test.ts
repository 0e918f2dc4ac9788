// Every matmul variant (lane, tiled, subgroup) against the float64 reference on the default adapter (lavapipe in CI; CLEARCLIP_ADAPTER
// picks another). matmul-variants-swiftshader.test.ts runs the same cases on SwiftShader.
import t from 'tap';
import { testDevice } from '../helpers/device.js';
import { testEveryVariant } from '../helpers/matmul-check.js';

t.test('every matmul variant matches the float64 reference (f32, f16 storage, batched, transposed, epilogues)', async (t) => {
  const dev = await testDevice();
  t.comment(dev.describe());
  testEveryVariant(t, dev);
});
