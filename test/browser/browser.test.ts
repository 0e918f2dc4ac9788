import t from 'tap';
import { findChromium, runInBrowser } from './run.js';

// The same tensor core through a browser's navigator.gpu (headless Chromium; SwiftShader's WebGPU where there is no
// GPU): the bundled kernels are checked against their float64 references inside the page.
// Tolerances are in test/browser/entry.ts (f32 sums: 1e-5 absolute on values of order 1).
t.test('the tensor core runs in a browser through navigator.gpu', async (t) => {
  const chromium = findChromium();
  if (!chromium) {
    const reason = 'no Chromium (apt-get install chromium, or set CHROMIUM=/path/to/chrome): the browser path was not run';
    // In CI the browser is part of the job (.ci/run installs it): its absence is a failure, not a skip.
    if (process.env.CI === 'true') return void t.fail(reason);
    return void t.plan(0, reason);
  }
  const r = await runInBrowser(chromium);
  t.notOk(r.error, r.error ?? 'the page reported');
  t.match(r.adapter ?? '', /\[navigator, /, `adapter: ${r.adapter}`);
  t.ok((r.rows ?? []).length >= 4, 'every kernel reported');
  for (const row of r.rows ?? []) t.ok(row.ok, `${row.name}: max error ${row.maxErr.toExponential(2)} (tolerance ${row.tol})`);
});
