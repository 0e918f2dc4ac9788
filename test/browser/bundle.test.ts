// The browser entry (`clearclip/browser`) and the tensor core bundle for a browser with nothing external: no node:*
// module and no Dawn bindings anywhere below them. Cheap (no browser needed), so a Node-only import added to a
// shared module is caught even where Chromium is missing.
import t from 'tap';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

for (const entry of ['packages/clearclip/src/browser/index.ts', 'packages/tensor/src/index.ts']) {
  t.test(`${entry} bundles for the browser with no Node module`, async (t) => {
    const r = await build({
      entryPoints: [path.join(root, entry)],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      conditions: ['clearclip-source'],
      logLevel: 'silent',
    }).catch((e: Error) => e);
    t.notOk(r instanceof Error, r instanceof Error ? r.message : 'bundled');
    if (r instanceof Error) return;
    const js = r.outputFiles[0].text;
    t.notMatch(js, /from\s*["']node:|import\(\s*["']node:/, 'no node:* import in the bundle');
    t.ok(js.includes('fn main') || js.includes('@compute'), 'the kernels are inside the bundle');
  });
}
