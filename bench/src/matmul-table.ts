/**
 * The matmul variant table: for each matmul case, in one run and alternating between them round by round, the
 * heuristic's pick (CLEARCLIP_TUNE=off), the tuned pick (tuned here or read from the cache), today's lane kernel,
 * and the tfjs peer. Rows go to the --json output like every other row, tagged with the variant that ran.
 */
import { clearTunedChoices, tuneMatmul, type GpuDevice, type TuneResult } from '@clearclip/tensor';
import { nodeTuneStore } from '@clearclip/tensor/node';
import { setBenchMatmulVariant, type BenchCase } from './cases.js';
import type { Peer } from './peer-tfjs.js';
import { runCase, type BenchRow } from './runner.js';

export interface VariantTableOptions {
  reps: number;
  warmup: number;
  rounds: number;
  forceWall: boolean;
  peer: Peer | null;
  tuneBudgetMs: number;
  /** Folder of the tuning cache (default $CLEARCLIP_CACHE/tune); the bench reuses and extends it. */
  cacheDir?: string;
}

export interface VariantRow {
  shape: string;
  dtype: string;
  heuristic: BenchRow;
  tuned: BenchRow;
  lane: BenchRow;
  peerMs: number | null;
  tune: TuneResult | undefined;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function timed(dev: GpuDevice, c: BenchCase, mode: 'heuristic' | 'tuned' | 'lane', o: VariantTableOptions, peer: Peer | null): Promise<BenchRow> {
  const prevTune = process.env.CLEARCLIP_TUNE;
  if (mode === 'heuristic') process.env.CLEARCLIP_TUNE = 'off';
  else delete process.env.CLEARCLIP_TUNE;
  setBenchMatmulVariant(mode === 'lane' ? 'lane' : null);
  try {
    return await runCase(dev, c, { warmup: o.warmup, reps: o.reps, forceWall: o.forceWall, peer });
  } finally {
    setBenchMatmulVariant(null);
    if (prevTune === undefined) delete process.env.CLEARCLIP_TUNE;
    else process.env.CLEARCLIP_TUNE = prevTune;
  }
}

export async function matmulVariantTable(dev: GpuDevice, cases: BenchCase[], o: VariantTableOptions, log: (s: string) => void): Promise<{ rows: VariantRow[]; json: BenchRow[] }> {
  const mm = cases.filter((c) => c.kernel === 'matmul' && c.matmul);
  clearTunedChoices(dev);
  const tunes = await tuneMatmul(dev, mm.map((c) => ({ ...c.matmul!, label: c.shape })), {
    store: nodeTuneStore(o.cacheDir),
    budgetMs: o.tuneBudgetMs,
    reps: 3,
    log: (s) => log(`  ${s}`),
  });
  const rows: VariantRow[] = [];
  const json: BenchRow[] = [];
  for (const c of mm) {
    const samples: Record<'heuristic' | 'tuned' | 'lane', BenchRow[]> = { heuristic: [], tuned: [], lane: [] };
    let peerMs: number | null = null;
    for (let r = 0; r < o.rounds; r++) {
      // Alternate the order each round so that load drift on a shared machine does not favour one column.
      const order: ('heuristic' | 'tuned' | 'lane')[] = r % 2 ? ['lane', 'tuned', 'heuristic'] : ['heuristic', 'tuned', 'lane'];
      for (const m of order) {
        const row = await timed(dev, c, m, o, r === 0 && m === 'lane' ? o.peer : null);
        if (row.peerMs !== null) peerMs = row.peerMs;
        samples[m].push(row);
      }
    }
    const pick = (xs: BenchRow[]) => {
      const ms = median(xs.map((x) => x.ms));
      return { ...xs[0], ms, gflops: xs[0].gflops !== null ? (xs[0].gflops * xs[0].ms) / ms : null, peerMs, ratio: peerMs !== null ? peerMs / ms : null };
    };
    const row: VariantRow = {
      shape: c.shape,
      dtype: c.dtype,
      heuristic: pick(samples.heuristic),
      tuned: pick(samples.tuned),
      lane: pick(samples.lane),
      peerMs,
      tune: tunes.find((t) => t.label === c.shape),
    };
    rows.push(row);
    json.push(
      { ...row.heuristic, kernel: 'matmul (heuristic)' },
      { ...row.tuned, kernel: 'matmul (tuned)' },
      { ...row.lane, kernel: 'matmul (lane)' },
    );
    printVariantRow(row, log);
  }
  return { rows, json };
}

const f = (x: number | null, d = 1) => (x === null ? '-' : x.toFixed(d));

export function variantTableHeader(log: (s: string) => void): void {
  log(
    `${'shape'.padEnd(40)} dtype ${'heuristic pick'.padEnd(20)} ${'ms'.padStart(8)} ${'tuned pick'.padEnd(20)} ${'ms'.padStart(8)} ` +
      `${'lane ms'.padStart(8)} ${'tfjs ms'.padStart(8)}  tuned/lane  tuned/heur  tried`,
  );
}

function printVariantRow(r: VariantRow, log: (s: string) => void): void {
  const tried = r.tune ? `${r.tune.entry.candidates.filter((c) => c.ms !== null).length}${r.tune.timed ? '' : ' (cache)'}` : '-';
  log(
    `${r.shape.padEnd(40)} ${r.dtype.padEnd(5)} ${String(r.heuristic.variant).padEnd(20)} ${f(r.heuristic.ms).padStart(8)} ` +
      `${String(r.tuned.variant).padEnd(20)} ${f(r.tuned.ms).padStart(8)} ${f(r.lane.ms).padStart(8)} ${f(r.peerMs).padStart(8)}  ` +
      `${f(r.lane.ms / r.tuned.ms, 2).padStart(10)}  ${f(r.heuristic.ms / r.tuned.ms, 2).padStart(10)}  ${tried}`,
  );
}
