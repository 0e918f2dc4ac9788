// The matmul variant tests on a second adapter: SwiftShader (Chromium's Vulkan driver: 4-wide subgroups, no
// shader-f16, a different compiler). In CI (CI=true) a missing SwiftShader fails: .ci/run installs Chromium, so
// its absence is a broken setup. Elsewhere it is a tap skip. SwiftShader is ~40x slower than lavapipe on matmul,
// but these shapes are small; compiles dominate.
import t from 'tap';
import { existsSync } from 'node:fs';
import { GpuDevice, swiftShaderIcd } from '@clearclip/tensor';
import { testEveryVariant } from '../helpers/matmul-check.js';

const icd = swiftShaderIcd();
const inCI = process.env.CI === 'true' || process.env.CI === '1';

if (!existsSync(icd)) {
  if (inCI) t.fail(`SwiftShader ICD missing at ${icd}: CI installs chromium for it (apt-get install chromium)`);
  else t.plan(0, `SwiftShader not installed (no ${icd}; apt-get install chromium, or set CLEARCLIP_SWIFTSHADER_ICD)`);
} else {
  t.test('every matmul variant matches the float64 reference on SwiftShader', async (t) => {
    const dev = await GpuDevice.create({ adapter: 'swiftshader' });
    t.teardown(() => dev.destroy());
    t.match(dev.describe(), /swiftshader/i, `runs on SwiftShader: ${dev.describe()}`);
    testEveryVariant(t, dev);
  });
}
