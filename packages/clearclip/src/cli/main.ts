// The `clearclip` command (bin/clearclip.js runs `run()`): segment, eval, weights, cache, parity, ...
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { weightsCli } from '@clearclip/weights-tools';
import { segmentCli } from './segment.js';
import { evalCli, convertCocoObjectCli } from './eval.js';
import { parityCli } from './parity.js';
import { cacheCli } from './cache.js';
import { tuneCli } from './tune.js';
import { evalSegmenterFactory } from '../eval-segmenter.js';
import { VERSION } from '../version.js';

const USAGE = `usage: clearclip <command> [options]

commands:
  segment IMAGE...          segment images, write label and overlay PNGs (clearclip segment --help)
  eval                      evaluate on an MMSeg-layout dataset (clearclip eval --help)
  eval merge DIR...         merge sharded eval runs
  weights convert|inspect|download
                            convert OpenCLIP checkpoints, inspect weight files, download hub models
  cache list|prune          show or free the converted-weights and query-feature caches
  convert-coco-object       build COCO-Object labels from COCO-Stuff164k
  parity FIXTURE-DIR        compare every computable tensor of a fixture folder with ours
  tune                      time the kernel variants at a model's shapes on this GPU, cache the winners
  help, --help, -h          this text
  version, --version, -v    the version

Each command takes --help.
`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'segment':
      return segmentCli(rest);
    case 'eval':
      return evalCli(rest, { segmenterFactory: evalSegmenterFactory });
    case 'weights':
      return weightsCli(rest, 'clearclip weights');
    case 'cache':
      return cacheCli(rest);
    case 'convert-coco-object':
      return convertCocoObjectCli(rest);
    case 'parity':
      return parityCli(rest);
    case 'tune':
      return tuneCli(rest);
    case 'version':
    case '--version':
    case '-v':
      process.stdout.write(`clearclip ${VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return cmd ? 0 : 1;
    default:
      process.stderr.write(`clearclip: unknown command "${cmd}"\n${USAGE}`);
      return 1;
  }
}

/** main() with errors turned into one line on stderr and exit code 2 (what the bin runs). */
export async function run(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (e) {
    process.stderr.write(`clearclip: ${(e as Error).message}\n`);
    return 2;
  }
}

// Also runnable directly (`node dist/cli/main.js`, `npm run clearclip`); importing it runs nothing.
function isEntry(): boolean {
  try {
    return realpathSync(fileURLToPath(import.meta.url)) === realpathSync(process.argv[1] ?? '');
  } catch {
    return false;
  }
}

if (isEntry()) run(process.argv.slice(2)).then((code) => process.exit(code));
