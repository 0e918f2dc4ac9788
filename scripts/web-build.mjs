#!/usr/bin/env node
// Builds the web page (apps/web) into a static folder any static host can serve: index.html, main.js, worker.js
// (the library and its kernels inside) and the project's sample picture (assets/demo.png, copied, not duplicated in git).
//   node scripts/web-build.mjs [outDir]     default out/web
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function buildWeb(outDir = path.join(root, 'out/web')) {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: { main: path.join(root, 'apps/web/src/main.ts'), worker: path.join(root, 'apps/web/src/worker.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // The library's TypeScript sources (the workspace packages' "clearclip-source" export condition).
    conditions: ['clearclip-source'],
    sourcemap: true,
    logLevel: 'warning',
  });
  copyFileSync(path.join(root, 'apps/web/index.html'), path.join(outDir, 'index.html'));
  copyFileSync(path.join(root, 'assets/demo.png'), path.join(outDir, 'demo.png'));
  return outDir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = await buildWeb(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.log(`web page built into ${path.relative(process.cwd(), out) || '.'}; serve that folder with any static server (npm run web serves it)`);
}
