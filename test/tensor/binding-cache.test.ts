import t from 'tap';
import { GpuDevice, layerNorm, matmul, softmax, type Tensor } from '@clearclip/tensor';
import { uniform } from '../helpers/random.js';

// Weights made once (kept), activations made per forward (pooled buffers, handed out again next time).
function model(dev: GpuDevice) {
  const w = dev.keep(dev.tensor(uniform(32 * 24, 1), [32, 24]));
  const g = dev.keep(dev.tensor(uniform(32, 2, 0.5, 1.5), [32]));
  const b = dev.keep(dev.tensor(uniform(32, 3), [32]));
  const x = dev.keep(dev.tensor(uniform(10 * 32, 4), [10, 32]));
  return (): Tensor => softmax(matmul(layerNorm(x, g, b, 1e-5), w, { activation: 'gelu', alpha: 0.5 }));
}

t.test('a repeated forward reuses every bind group and uniform block; results are unchanged', async (t) => {
  const dev = await GpuDevice.create();
  t.teardown(() => dev.destroy());
  const fwd = model(dev);
  // The first forward fills the pool; from the second on, the pool hands the same buffers to the same launches.
  await dev.scopeAsync(async () => fwd().readFloat());
  const first = await dev.scopeAsync(async () => fwd().readFloat());
  const s1 = dev.stats();
  const second = await dev.scopeAsync(async () => fwd().readFloat());
  const s2 = dev.stats();
  const launches = s2.dispatches - s1.dispatches;
  t.equal(s2.bindGroups.hits - s1.bindGroups.hits, launches, `all ${launches} launches of the third forward found their bind group`);
  t.equal(s2.bindGroups.misses, s1.bindGroups.misses, 'and made none');
  t.same(Array.from(second), Array.from(first), 'same result');
});

t.test('bind groups holding a destroyed buffer are forgotten; launches after that still run and are right', async (t) => {
  // No pool: every released buffer is destroyed at once, so each forward's activations are new buffers.
  const dev = await GpuDevice.create({ poolBytes: 0 });
  t.teardown(() => dev.destroy());
  const fwd = model(dev);
  const want = await dev.scopeAsync(async () => fwd().readFloat());
  const after1 = dev.stats().bindGroups.cached;
  for (let i = 0; i < 5; i++) t.same(Array.from(await dev.scopeAsync(async () => fwd().readFloat())), Array.from(want), `forward ${i + 2} right`);
  const after6 = dev.stats().bindGroups.cached;
  t.ok(after6 <= after1 + 4, `the cache does not grow with dead buffers (${after1} after one forward, ${after6} after six)`);
});
