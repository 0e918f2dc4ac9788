import t from 'tap';
import { GpuDevice, adapterClass, matmul, settle, waitModeFromEnv } from '@clearclip/tensor';
import { testDevice } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';

const later = <T>(ms: number, v: T, fail = false) => new Promise<T>((res, rej) => setTimeout(() => (fail ? rej(new Error(String(v))) : res(v)), ms));

t.test("settle('sleep') returns what the promise settles with, soon after it settles, without spinning the event loop", async (t) => {
  for (const mode of ['spin', 'sleep'] as const) {
    t.equal(await settle(Promise.resolve(7), mode), 7, `${mode}: a settled promise`);
    await t.rejects(settle(later(20, 'boom', true), mode), /boom/, `${mode}: a rejection passes through`);
  }
  // Count event-loop turns while a 60 ms wait runs: spinning Dawn would take one per poll; the sleeping wait takes
  // one per slice (0.1 ms growing by half to 2 ms: about 40 for 60 ms).
  let turns = 0;
  let counting = true;
  const count = () => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  const t0 = performance.now();
  t.equal(await settle(later(60, 'done'), 'sleep'), 'done');
  const ms = performance.now() - t0;
  counting = false;
  t.ok(ms >= 55 && ms < 60 + 40, `settled after ${ms.toFixed(1)} ms (the promise took 60; a slice is at most 2 ms)`);
  t.ok(turns < 200, `${turns} event-loop turns during a 60 ms sleeping wait`);
});

t.test('a software adapter in Node waits by sleeping; both modes compute the same bits; bad CLEARCLIP_WAIT is named', async (t) => {
  const dev = await testDevice();
  if (adapterClass(dev) === 'software' && !process.env.CLEARCLIP_WAIT) t.equal(dev.waitMode, 'sleep', dev.describe());
  const spin = await GpuDevice.create({ wait: 'spin' });
  t.equal(spin.waitMode, 'spin', 'the option wins');
  const a = uniform(37 * 53, 1);
  const b = uniform(53 * 29, 2);
  const run = async (d: GpuDevice) => d.scopeAsync(async () => matmul(d.tensor(a, [37, 53]), d.tensor(b, [53, 29]), { variant: 'lane' }).readFloat());
  const sleep = await GpuDevice.create({ wait: 'sleep' });
  t.same(Array.from(await run(sleep)), Array.from(await run(spin)), 'identical results');
  spin.destroy();
  sleep.destroy();
  const was = process.env.CLEARCLIP_WAIT;
  process.env.CLEARCLIP_WAIT = 'nap';
  t.throws(() => waitModeFromEnv(), /CLEARCLIP_WAIT must be "spin" or "sleep", got "nap"/);
  process.env.CLEARCLIP_WAIT = 'spin';
  t.equal(waitModeFromEnv(), 'spin');
  if (was === undefined) delete process.env.CLEARCLIP_WAIT;
  else process.env.CLEARCLIP_WAIT = was;
});
