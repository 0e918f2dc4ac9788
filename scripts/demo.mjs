#!/usr/bin/env node
// `npm run demo`: builds what the CLI needs (not the tests or the bench) and segments the project's demo picture
// with CLIP ViT-B/16 openai (downloaded from the Hugging Face hub on first use). Inside the repository, CLIP's
// vocabulary is taken from ../shared when that folder exists (no download); elsewhere from the hub.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const step = (cmd, args, env = process.env) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
step(process.execPath, [path.join(root, 'scripts/bundle-kernels.mjs')]);
step(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/clearclip']);
const shared = path.resolve(root, process.env.CLEARCLIP_SHARED ?? '../shared', 'vocab/bpe_simple_vocab_16e6.txt.gz');
const env = { ...process.env };
if (!env.CLEARCLIP_VOCAB && existsSync(shared)) env.CLEARCLIP_VOCAB = shared;
step(
  process.execPath,
  [path.join(root, 'packages/clearclip/bin/clearclip.js'), 'segment', 'assets/demo.png', '--classes', 'sky,cloud,sun,mountain,grass,tree,house', '--out', 'out/demo', '--json', ...process.argv.slice(2)],
  env,
);
