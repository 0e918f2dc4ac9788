#!/usr/bin/env node
// The `clearclip` command: segment, eval, eval merge, convert-coco-object, parity.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { segmentCli } from './segment.js';
import { evalCli, convertCocoObjectCli } from './eval.js';
import { parityCli } from './parity.js';
import { evalSegmenterFactory } from '../eval-segmenter.js';

const USAGE = `usage: clearclip <command> [options]

commands:
  segment IMAGE...          segment images, write label and overlay PNGs (clearclip segment --help)
  eval                      evaluate on an MMSeg-layout dataset (clearclip eval --help)
  eval merge DIR...         merge sharded eval runs
  convert-coco-object       build COCO-Object labels from COCO-Stuff164k
  parity FIXTURE-DIR        compare every computable tensor of a fixture folder with ours
`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'segment':
      return segmentCli(rest);
    case 'eval':
      return evalCli(rest, { segmenterFactory: evalSegmenterFactory });
    case 'convert-coco-object':
      return convertCocoObjectCli(rest);
    case 'parity':
      return parityCli(rest);
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return cmd ? 0 : 1;
    default:
      process.stderr.write(`clearclip: unknown command "${cmd}"\n${USAGE}`);
      return 1;
  }
}

// Exit only when executed directly (also through the npm bin symlink, where argv[1] is the link), so that tests and
// other programs can import main().
function isEntry(): boolean {
  try {
    return realpathSync(fileURLToPath(import.meta.url)) === realpathSync(process.argv[1] ?? '');
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`clearclip: ${e.message}\n`);
      process.exit(2);
    },
  );
}
