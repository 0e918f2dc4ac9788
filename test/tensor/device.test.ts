import t from 'tap';
import { GpuDevice, GpuError, DeviceLostError, registerKernelSource, params, softmax, scale, add } from '@clearclip/tensor';
import { testDevice } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';

t.test('scope() disposes what it does not return, keeps what it returns (nested, arrays, objects, throws)', async (t) => {
  const dev = await testDevice();
  const outside = dev.tensor([1, 2, 3], [3]);
  let a!: ReturnType<typeof dev.tensor>;
  let inner!: ReturnType<typeof dev.tensor>;
  const kept = dev.scope(() => {
    a = dev.tensor([1, 2, 3], [3], 'f32', 'a');
    const r = dev.scope(() => {
      inner = scale(a, 2);
      return { list: [add(inner, a)], other: softmax(a) };
    });
    t.ok(inner.isDisposed, 'inner temporary disposed when the inner scope closes');
    t.notOk(r.list[0].isDisposed || r.other.isDisposed, 'tensors returned in an object / array survive the inner scope');
    return r.list[0];
  });
  t.ok(a.isDisposed, 'a tensor created in the scope and not returned is disposed');
  t.notOk(kept.isDisposed, 'the returned tensor survives');
  t.notOk(outside.isDisposed, 'a tensor made before the scope is untouched');
  t.same(Array.from(await kept.read()), [3, 6, 9], 'returned tensor holds the right data');
  let made!: ReturnType<typeof dev.tensor>;
  t.throws(() => dev.scope(() => {
    made = dev.tensor([1], [1]);
    throw new Error('boom');
  }), /boom/);
  t.ok(made.isDisposed, 'a throwing scope still disposes its tensors');
  kept.dispose();
  outside.dispose();
});

t.test('using a disposed tensor throws a message naming it', async (t) => {
  const dev = await testDevice();
  const x = dev.tensor(uniform(6, 1), [2, 3], 'f32', 'queryEmbedding');
  x.dispose();
  t.ok(x.isDisposed);
  t.throws(() => softmax(x), /queryEmbedding.*dispose/, 'as a kernel input');
  await t.rejects(x.read(), /queryEmbedding.*dispose/, 'on read');
  t.throws(() => x.reshape([6]), /queryEmbedding.*dispose/, 'on reshape');
  x.dispose(); // a second dispose is harmless
});

t.test('reshape shares data with its source (no copy; storage lives while any view does)', async (t) => {
  const dev = await testDevice();
  const src = uniform(12, 2);
  const x = dev.tensor(new Float32Array(12), [3, 4], 'f32', 'x');
  const r = x.reshape([2, -1]);
  t.same(r.shape, [2, 6]);
  t.equal(r.buffer, x.buffer, 'same GPU buffer');
  // Write through x with a plain dispatch; the reshaped view must see it.
  dev.dispatch({
    kernel: 'cast',
    defines: { S: 'f32', T: 'f32' },
    uniforms: params([{ u: 12 }, { u: 0 }, { u: 0 }, { u: 0 }]),
    inputs: [dev.tensor(src, [12])],
    outputs: [x],
    workgroups: [1],
  });
  x.dispose();
  t.notOk(r.isDisposed, 'disposing the source leaves the view alive');
  t.same(Array.from(await r.read()), Array.from(src), 'the view reads what was written through the source');
  t.throws(() => r.reshape([5, 2]), /reshape.*\[5, 2\] has 10 elements, not 12/);
});

t.test('pipelines are compiled once per (kernel, defines)', async (t) => {
  const dev = await testDevice();
  await softmax(dev.tensor(uniform(10, 3), [2, 5])).read();
  const n0 = dev.stats().pipelines;
  await softmax(dev.tensor(uniform(21, 4), [3, 7]), { scale: 0.5 }).read();
  t.equal(dev.stats().pipelines, n0, 'another shape and scale reuse the pipeline (they are uniforms)');
  if (dev.hasF16) {
    await softmax(dev.tensor(uniform(10, 5), [2, 5], 'f16')).read();
    t.equal(dev.stats().pipelines, n0 + 1, 'f16 is another specialisation');
    await softmax(dev.tensor(uniform(10, 5), [5, 2], 'f16')).read();
    t.equal(dev.stats().pipelines, n0 + 1, 'and is compiled only once too');
  }
});

t.test('dispatches collect in one command buffer until something is read', async (t) => {
  const dev = await testDevice();
  let x = dev.tensor(uniform(1000, 6), [10, 100]);
  await x.read();
  const s0 = dev.stats().submits;
  const d0 = dev.stats().dispatches;
  dev.scope(() => {
    for (let i = 0; i < 20; i++) x = dev.keep(scale(x, 1.01));
  });
  t.equal(dev.stats().dispatches - d0, 20, '20 dispatches recorded');
  t.equal(dev.stats().submits, s0, 'nothing submitted yet');
  const got = await x.read();
  t.equal(dev.stats().submits, s0 + 1, 'one submit for all of them plus the read');
  t.ok(Math.abs(got[0] / (await dev.tensor(uniform(1000, 6), [10, 100]).read())[0] - 1.01 ** 20) < 1e-5, 'and they ran in order');
});

t.test('describe() names the adapter and backend', async (t) => {
  const dev = await testDevice();
  const d = dev.describe();
  const a = dev.adapterDescription;
  const parts = [a.vendor, a.architecture, a.device, a.description].filter(Boolean);
  t.ok(parts.length > 0, `the adapter reports a name (${JSON.stringify(a)})`);
  for (const p of parts) t.ok(d.includes(p), `describe() includes "${p}"`);
  t.ok(d.includes(a.backend), 'and the backend');
  t.notMatch(d, /unknown adapter/);
  t.comment(d);
});

t.test('a WGSL compile error surfaces as a GpuError from sync() naming the kernel; the device stays usable', async (t) => {
  const dev = await GpuDevice.create();
  t.teardown(() => dev.destroy());
  registerKernelSource(
    'broken',
    'alias T = f32;\n@group(0) @binding(0) var<storage, read_write> out: array<T>;\n' +
      '@compute @workgroup_size(1) fn main() { out[0] = no_such_identifier; }\n',
  );
  const out = dev.empty([1]);
  dev.dispatch({ kernel: 'broken', inputs: [], outputs: [out], workgroups: [1] });
  const err = await dev.sync().then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof GpuError, `a GpuError (got ${String(err)})`);
  t.match(String((err as Error)?.message), /broken/, 'its message names the kernel');
  t.comment(String((err as Error)?.message).split('\n').slice(0, 3).join(' | '));
  const x = dev.tensor([1, 2], [2]);
  t.same(Array.from(await scale(x, 3).read()), [3, 6], 'later work runs and no stale error is re-thrown');
});

t.test('destroy() makes later calls throw DeviceLostError', async (t) => {
  const dev = await GpuDevice.create();
  const x = dev.tensor([1, 2, 3], [3]);
  const y = scale(x, 2); // recorded, never submitted
  dev.destroy();
  t.throws(() => dev.tensor([1], [1]), DeviceLostError, 'upload');
  t.throws(() => dev.empty([4]), DeviceLostError, 'allocation');
  t.throws(() => softmax(x), DeviceLostError, 'an op');
  await t.rejects(y.read(), DeviceLostError, 'read');
  await t.rejects(dev.sync(), DeviceLostError, 'sync');
  t.doesNotThrow(() => x.dispose(), 'disposing after destroy is harmless');
  t.doesNotThrow(() => dev.destroy(), 'a second destroy is harmless');
});

t.test('a device lost underneath us (driver reset, OOM kill) turns every later call into DeviceLostError with the reason', async (t) => {
  const dev = await GpuDevice.create();
  const x = dev.tensor([1, 2, 3], [3]);
  // Losing the raw GPUDevice without our destroy(): what a driver reset looks like from the library's side.
  dev.device.destroy();
  await dev.device.lost;
  t.equal(dev.isLost, true);
  t.throws(() => scale(x, 2), { name: 'DeviceLostError', message: /scale: the WebGPU device was lost \(destroyed\)/ }, 'an op names itself and the reason');
  await t.rejects(x.read(), DeviceLostError, 'read');
  t.throws(() => dev.tensor([1], [1], 'f32', 'weights'), /weights: the WebGPU device was lost/, 'an upload names the tensor');
});
