/**
 * npm run bench [-- --quick] [--json FILE] [--reps N] [--warmup N] [--filter TEXT] [--no-peer] [--wall] [--verify]
 * npm run bench -- --model [--reps N] [--warmup N] [--no-peer] [--json FILE] [--filter TEXT] [--attention unfused|fused|both]
 *
 * Times each kernel at ViT-B/16's shapes on our WebGPU device and, in the same process and on the same adapter,
 * the same op in TensorFlow.js's WebGPU backend; prints ours, GFLOP/s or GB/s, the peer and ratio = peer / ours.
 */
import { writeFileSync } from 'node:fs';
import { loadavg as osLoad } from 'node:os';
import { GpuDevice, adapterFingerprint } from '@clearclip/tensor';
import { vitB16Cases } from './cases.js';
import { createTfjsPeer, type Peer } from './peer-tfjs.js';
import { runCase, type BenchRow } from './runner.js';
import { modelBench, printModelRow } from './model.js';
import path from 'node:path';
import { matmulVariantTable, variantTableHeader } from './matmul-table.js';

interface Args {
  quick: boolean;
  json: string | null;
  reps: number;
  warmup: number;
  filter: string | null;
  peer: boolean;
  wall: boolean;
  verify: boolean;
  variants: boolean;
  rounds: number;
  tuneBudget: number;
  model: boolean;
  attention: ('unfused' | 'fused')[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, json: null, reps: 0, warmup: 1, filter: null, peer: true, wall: false, verify: false, variants: true, rounds: 3, tuneBudget: 600, model: false, attention: ['unfused', 'fused'] };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench: ${k} needs a value`);
      return v;
    };
    if (k === '--quick') a.quick = true;
    else if (k === '--json') a.json = val();
    else if (k === '--reps') a.reps = Number(val());
    else if (k === '--warmup') a.warmup = Number(val());
    else if (k === '--filter') a.filter = val();
    else if (k === '--no-peer') a.peer = false;
    else if (k === '--wall') a.wall = true;
    else if (k === '--verify') a.verify = true;
    else if (k === '--model') a.model = true;
    else if (k === '--attention') {
      const v = val();
      if (!['unfused', 'fused', 'both'].includes(v)) throw new Error(`bench: --attention must be unfused, fused or both, got ${v}`);
      a.attention = v === 'both' ? ['unfused', 'fused'] : [v as 'unfused' | 'fused'];
    }
    else if (k === '--no-variants') a.variants = false;
    else if (k === '--rounds') a.rounds = Number(val());
    else if (k === '--tune-budget') a.tuneBudget = Number(val());
    else if (k === '--help' || k === '-h') {
      console.log('npm run bench -- [--quick] [--json FILE] [--reps N] [--warmup N] [--filter TEXT] [--no-peer] [--wall] [--verify]\n' +
          '                 [--no-variants] [--rounds N] [--tune-budget SECONDS]\n' +
          'Matmul rows show, alternating in one run, the heuristic pick (CLEARCLIP_TUNE=off), the tuned pick (tuned now\n' +
          'or read from $CLEARCLIP_CACHE/tune), the lane kernel, the tiled kernel (the hardware default tile), the\n' +
          'subgroup kernel (where the device has subgroups) and tfjs; --no-variants times the op\'s choice only.\n' +
          'npm run bench -- --model [--reps N] [--warmup N] [--no-peer] [--json FILE] [--filter TEXT] [--attention unfused|fused|both]:\n' +
          '                 (fused = fused attention and layer norms folded into the projections: the fewest launches)\n' +
          '                 whole ViT-B/16 forwards beside tfjs (--filter picks forwards by name, e.g. "vision ViT-B/16 448").');
      process.exit(0);
    } else throw new Error(`bench: unknown argument ${k}`);
  }
  if (!a.reps) a.reps = a.model ? 1 : a.quick ? 3 : 5;
  return a;
}

const loadavg = () => osLoad().map((x) => x.toFixed(2)).join(' ');

const fmt = (x: number | null, d = 2) => (x === null ? '-' : x.toFixed(d));

function printRow(r: BenchRow): void {
  const rate = r.gflops !== null ? `${fmt(r.gflops)} GFLOP/s` : r.gbps !== null ? `${fmt(r.gbps)} GB/s` : '';
  const peerRate =
    r.peerMs === null ? '' : r.gflops !== null ? `${fmt((r.gflops * r.ms) / r.peerMs)} GFLOP/s` : r.gbps !== null ? `${fmt((r.gbps * r.ms) / r.peerMs)} GB/s` : '';
  const check = r.maxErr !== null ? `  maxErr ${r.maxErr.toExponential(2)}${r.maxErr <= (r.tol ?? 0) ? '' : ' (ABOVE ' + r.tol?.toExponential(2) + ')'}` : '';
  console.log(
    `${r.kernel.padEnd(9)} ${r.shape.padEnd(38)} ${r.dtype}  ${fmt(r.ms, 1).padStart(8)} ms ${rate.padStart(15)}   ` +
      `peer ${fmt(r.peerMs, 1).padStart(8)} ms ${peerRate.padStart(15)}   ratio ${fmt(r.ratio)}${check}`,
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dev = await GpuDevice.create();
  console.log(`adapter fingerprint: ${adapterFingerprint(dev)}`);
  let cases = vitB16Cases();
  if (args.quick) cases = cases.filter((c) => c.quick);
  if (args.filter) cases = cases.filter((c) => `${c.kernel} ${c.shape} ${c.dtype}`.includes(args.filter!));
  cases = cases.filter((c) => c.dtype !== 'f16' || dev.hasF16);

  let peer: Peer | null = null;
  if (args.peer) {
    try {
      peer = await createTfjsPeer();
    } catch (e) {
      console.warn(`peer unavailable, timing ours only: ${(e as Error).message}`);
    }
  }
  const wallOnly = args.wall || !dev.hasTimestamps;
  console.log(`adapter: ${dev.describe()}`);
  if (peer) {
    const info = (peer.tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string } }).adapterInfo;
    const what = info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' / ') : 'adapter info not exposed';
    console.log(`peer:    ${peer.name} on ${what}`);
  }
  console.log('');
  if (args.model) {
    const here = path.dirname(new URL(import.meta.url).pathname);
    const { cpus, loadavg } = await import('node:os');
    console.log(`model: random CLIP ViT-B/16 (f32); ours and peer by wall clock to the output read back, ${args.reps} interleaved rounds (ours, peer) after ${args.warmup} warm-up; times and per-round ratios are medians`);
    console.log(`host: ${cpus().length} CPUs, load average at start ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    const rows = await modelBench(
      dev,
      peer,
      { reps: args.reps, warmup: args.warmup, vocab: path.resolve(here, '../../../shared/vocab/bpe_simple_vocab_16e6.txt.gz'), demo: path.resolve(here, '../../assets/demo.png'), filter: args.filter, attention: args.attention },
      printModelRow,
    );
    console.log(`load average at end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    if (args.json) writeFileSync(args.json, JSON.stringify(rows, null, 2) + '\n');
    peer?.dispose();
    dev.destroy();
    return;
  }
  console.log(
    `timing:  ours by ${wallOnly ? 'wall clock over many dispatches per submit' : 'timestamp-query, per dispatch'} (median of ${args.reps} after ${args.warmup} warm-up); ` +
      `peer by wall clock over ${args.reps} queued runs after warm-up, synced with a one-element read`,
  );
  console.log('');
  const rows: BenchRow[] = [];
  console.log(`load average at start: ${loadavg()}`);
  if (args.variants) {
    variantTableHeader(console.log);
    const t = await matmulVariantTable(
      dev,
      cases,
      { reps: args.reps, warmup: args.warmup, rounds: args.rounds, forceWall: args.wall, peer, tuneBudgetMs: args.tuneBudget * 1000 },
      console.log,
    );
    rows.push(...t.json);
    console.log(`load average after the matmul table: ${loadavg()}\n`);
    cases = cases.filter((c) => c.kernel !== 'matmul');
  }
  for (const c of cases) {
    const row = await runCase(dev, c, { warmup: args.warmup, reps: args.reps, forceWall: args.wall, peer, verify: args.verify });
    rows.push(row);
    printRow(row);
  }
  if (args.json) {
    writeFileSync(args.json, JSON.stringify(rows, null, 2) + '\n');
    console.log(`\nwrote ${rows.length} rows to ${args.json}`);
  }
  peer?.dispose();
  dev.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
