import t from 'tap';
import { GpuDevice, layerNorm, matmul, softmax, type Tensor } from '@clearclip/tensor';
import { testDevice } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';

// A small "model": specialisations no other test in this process has compiled (odd sizes, an activation, a layer norm).
function forward(dev: GpuDevice): Tensor {
  const x = dev.tensor(uniform(23 * 41, 3), [23, 41]);
  const w = dev.tensor(uniform(41 * 19, 4), [41, 19]);
  const g = dev.tensor(uniform(41, 5, 0.5, 1.5), [41]);
  const b = dev.tensor(uniform(41, 6), [41]);
  const h = matmul(layerNorm(x, g, b, 1e-5), w, { activation: 'quickgelu' });
  const z = dev.zeros([23, 19]);
  z.dispose();
  return softmax(matmul(h, w, { transposeB: true, alpha: 0.5 }));
}

t.test('precompile creates the pipelines a function needs without running it; the run then compiles nothing', async (t) => {
  const dev = await testDevice();
  const before = dev.stats();
  const r = await dev.precompile(() => forward(dev));
  const traced = dev.stats();
  t.equal(traced.dispatches, before.dispatches, 'nothing was dispatched while tracing');
  t.equal(traced.submits, before.submits, 'nothing was submitted while tracing');
  t.ok(r.pipelines >= 3, `${r.pipelines} pipelines traced`);
  t.equal(traced.pipelines - before.pipelines, r.created, `${r.created} created ahead, in ${r.ms.toFixed(0)} ms`);
  t.ok(r.created > 0, 'new specialisations were created');
  const got = await dev.scopeAsync(async () => forward(dev).readFloat());
  t.equal(dev.stats().pipelines, traced.pipelines, 'the real run compiled no pipeline');
  const fresh = await GpuDevice.create();
  const want = await fresh.scopeAsync(async () => forward(fresh).readFloat());
  fresh.destroy();
  t.same(Array.from(got), Array.from(want), 'same result as on a device that compiled on first use');
  t.same(await dev.precompile(() => forward(dev)).then((x) => x.created), 0, 'a second precompile has nothing left to create');
});
