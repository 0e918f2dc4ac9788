import t, { type Test } from 'tap';
import { runCase, matmulCase, softmaxCase, layerNormCase, available, type BenchRow } from '@clearclip/bench';
import { testDevice } from '../helpers/device.js';

// The bench's case runner on tiny cases, without the peer: rows are well formed and our result matches the float64
// reference. No timing assertions (a shared CPU makes them meaningless) beyond "a positive finite number".
function wellFormed(t: Test, r: BenchRow, kernel: string): void {
  t.equal(r.kernel, kernel);
  t.ok(Number.isFinite(r.ms) && r.ms > 0, `ms is a positive number (${r.ms})`);
  t.ok(r.adapter.length > 0, 'adapter described');
  t.match(r.timing, /timestamp-query|wall/);
  t.equal(r.peerMs, null, 'no peer asked for');
  t.equal(r.ratio, null);
  t.ok(r.maxErr !== null && r.tol !== null && r.maxErr <= r.tol, `matches the reference: max |err| ${r.maxErr} <= ${r.tol}`);
  t.same(Object.keys(JSON.parse(JSON.stringify(r))).sort(), ['adapter', 'adapterFingerprint', 'variant', 'dtype', 'gbps', 'gflops', 'kernel', 'maxErr', 'ms', 'peer', 'peerMs', 'ratio', 'shape', 'timing', 'tol'].sort());
}

t.test('a tiny matmul case through both timing paths', async (t) => {
  const dev = await testDevice();
  const c = matmulCase({ batch: [2], M: 5, K: 7, N: 9, transposeB: true, batchedB: true });
  for (const forceWall of [false, true]) {
    const r = await runCase(dev, c, { warmup: 1, reps: 2, forceWall, verify: true, peer: null });
    wellFormed(t, r, 'matmul');
    t.equal(r.shape, '2 x 5x7 @ (9x7)^T');
    t.ok(r.gflops !== null && r.gflops > 0 && r.gbps === null, 'matmul reports GFLOP/s');
    if (forceWall) t.equal(r.timing, 'wall, many dispatches per submit');
  }
});

t.test('memory-bound rows report GB/s', async (t) => {
  const dev = await testDevice();
  const cases = [available('softmax') ? softmaxCase([3, 17], { scale: 0.5 }) : null, available('layerNorm') ? layerNormCase([3, 17]) : null];
  for (const c of cases) {
    if (!c) continue;
    const r = await runCase(dev, c, { warmup: 1, reps: 1, verify: true, peer: null });
    wellFormed(t, r, c.kernel);
    t.ok(r.gbps !== null && r.gbps > 0 && r.gflops === null);
  }
});
