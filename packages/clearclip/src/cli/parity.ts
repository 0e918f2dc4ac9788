// `clearclip parity <fixture-dir>` (also `npm run parity -- <fixture-dir>` in the repository)
import { writeFileSync } from 'node:fs';
import { GpuDevice } from '@clearclip/tensor';
import { runParity } from '../parity/run.js';
import { formatRows } from '../parity/compare.js';

const USAGE = 'usage: clearclip parity FIXTURE-DIR [--dtype f32|f16] [--json [FILE]] [--only REGEX] [--vocab bpe_simple_vocab_16e6.txt.gz]';

export async function parityCli(argv: string[]): Promise<number> {
  let dir: string | undefined;
  let dtype: 'f32' | 'f16' = 'f32';
  let json: string | boolean = false;
  let only: RegExp | undefined;
  let vocab: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dtype') {
      const v = argv[++i];
      if (v !== 'f32' && v !== 'f16') throw new Error(`--dtype: expected f32 or f16, got ${v}`);
      dtype = v;
    } else if (a === '--json') json = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : true;
    else if (a === '--only') only = new RegExp(argv[++i]);
    else if (a === '--vocab') vocab = argv[++i];
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      return 0;
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}\n${USAGE}`);
    else if (dir) throw new Error(`one fixture folder at a time (got ${dir} and ${a})`);
    else dir = a;
  }
  if (!dir) throw new Error(USAGE);
  const dev = await GpuDevice.create();
  try {
    if (!json) console.log(`parity: ${dir} (${dtype}) on ${dev.describe()}`);
    if (dtype === 'f16' && !dev.hasF16) throw new Error(`--dtype f16: ${dev.describe()} has no shader-f16`);
    const rows = await runParity(dev, dir, { dtype, only, vocab });
    const failed = rows.filter((r) => r.status === 'fail').length;
    if (json) {
      const out = JSON.stringify({ fixture: dir, dtype, adapter: dev.describe(), rows }, null, 2);
      if (typeof json === 'string') writeFileSync(json, out);
      else console.log(out);
    }
    if (!json || typeof json === 'string') {
      console.log(formatRows(rows));
      const count = (s: string) => rows.filter((r) => r.status === s).length;
      console.log(`${count('pass')} passed, ${failed} failed, ${count('not computed')} not computed, ${count('input')} inputs`);
    }
    return failed ? 1 : 0;
  } finally {
    dev.destroy();
  }
}
