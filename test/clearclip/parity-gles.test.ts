import t from 'tap';
import { GpuDevice } from '@clearclip/tensor';
import { runParity } from '../../packages/clearclip/src/parity/run.js';
import { requireShared, sharedPath } from '../helpers/fixtures.js';

// The fallback backend: Dawn's OpenGL ES on llvmpipe, WebGPU compatibility mode (no shader-f16). The whole model
// must give the same answers there; scripts/setup-software-gpu.sh installs its EGL/GLES packages.
t.test('clip-tiny-b16 parity on the OpenGL ES fallback (compatibility mode)', async (t) => {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  if (!dir) return;
  const dev = await GpuDevice.create({ backend: 'opengles' });
  t.teardown(() => dev.destroy());
  t.equal(dev.adapterDescription.backend, 'dawn-opengles');
  t.equal(dev.adapterDescription.featureLevel, 'compatibility');
  const rows = await runParity(dev, dir, { dtype: 'f32', vocab: sharedPath('vocab', 'bpe_simple_vocab_16e6.txt.gz'), only: /^(vision\.(block2|pooled)|dense\.ClearCLIP\.noresid_224$|text\.features|seg\.)/ });
  t.ok(rows.length >= 7, `${rows.length} tensors compared`);
  for (const r of rows) if (r.status !== 'input') t.equal(r.status, 'pass', `${r.name}: ${r.maxAbs} (tol ${r.tol})`);
});
