/**
 * The matmul variant table: for each matmul case, in one run and alternating between them round by round, the
 * heuristic's pick (CLEARCLIP_TUNE=off), the tuned pick (tuned here or read from the cache), today's lane kernel,
 * the tiled path (the hardware heuristic's default tile, TILED_COLUMN), the subgroup variant (the first one this
 * device supports; '-' without subgroups), and the tfjs peer. Rows go to the --json output like every other row,
 * tagged with the variant that ran.
 */
import { clearTunedChoices, MATMUL_VARIANTS, tuneMatmul, type GpuDevice, type MatmulProblem, type TuneResult } from '@clearclip/tensor';
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
  /** The tiled kernel (TILED_COLUMN) and the subgroup kernel forced; null where the device cannot run it. */
  tiled: BenchRow | null;
  subgroup: BenchRow | null;
  peerMs: number | null;
  tune: TuneResult | undefined;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

type Mode = 'heuristic' | 'tuned' | 'lane' | 'tiled' | 'subgroup';

/** The tiled configuration the hardware heuristic picks for most ViT-B/16 products: the tiled path's column. */
export const TILED_COLUMN = 'tiled64x64k16t8x4';

/** The variant a forced column runs on this device and problem, or null where it cannot. */
function forcedVariant(dev: GpuDevice, mode: Mode, prob: MatmulProblem): string | null {
  if (mode === 'lane') return 'lane';
  if (mode === 'tiled') return MATMUL_VARIANTS.find((v) => v.name === TILED_COLUMN)!.supports(dev, prob) ? TILED_COLUMN : null;
  if (mode === 'subgroup') return MATMUL_VARIANTS.find((v) => v.name.startsWith('subgroup') && v.supports(dev, prob))?.name ?? null;
  return null;
}

async function timed(dev: GpuDevice, c: BenchCase, mode: Mode, o: VariantTableOptions, peer: Peer | null, forced: string | null): Promise<BenchRow> {
  const prevTune = process.env.CLEARCLIP_TUNE;
  if (mode === 'heuristic') process.env.CLEARCLIP_TUNE = 'off';
  else delete process.env.CLEARCLIP_TUNE;
  setBenchMatmulVariant(forced);
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
    const m = c.matmul!;
    const prob: MatmulProblem = { dtype: m.dtype ?? 'f32', batch: m.batch ?? 1, M: m.M, N: m.N, K: m.K, transposed: !!m.transposed, vecA: m.K % 4 === 0, vecB: !m.transposed && m.N % 4 === 0 };
    const modes: Mode[] = ['heuristic', 'tuned', 'lane', 'tiled', 'subgroup'];
    const forced = Object.fromEntries(modes.map((m) => [m, forcedVariant(dev, m, prob)])) as Record<Mode, string | null>;
    const run: Mode[] = modes.filter((m) => m === 'heuristic' || m === 'tuned' || forced[m] !== null);
    const samples: Record<Mode, BenchRow[]> = { heuristic: [], tuned: [], lane: [], tiled: [], subgroup: [] };
    let peerMs: number | null = null;
    for (let r = 0; r < o.rounds; r++) {
      // Alternate the order each round so that load drift on a shared machine does not favour one column.
      const order = r % 2 ? [...run].reverse() : run;
      for (const m of order) {
        const row = await timed(dev, c, m, o, r === 0 && m === 'lane' ? o.peer : null, forced[m]);
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
      tiled: samples.tiled.length ? pick(samples.tiled) : null,
      subgroup: samples.subgroup.length ? pick(samples.subgroup) : null,
      peerMs,
      tune: tunes.find((t) => t.label === c.shape),
    };
    rows.push(row);
    json.push(
      { ...row.heuristic, kernel: 'matmul (heuristic)' },
      { ...row.tuned, kernel: 'matmul (tuned)' },
      { ...row.lane, kernel: 'matmul (lane)' },
      ...(row.tiled ? [{ ...row.tiled, kernel: 'matmul (tiled)' }] : []),
      ...(row.subgroup ? [{ ...row.subgroup, kernel: 'matmul (subgroup)' }] : []),
    );
    printVariantRow(row, log);
  }
  return { rows, json };
}

const f = (x: number | null, d = 1) => (x === null ? '-' : x.toFixed(d));

export function variantTableHeader(log: (s: string) => void): void {
  log(
    `${'shape'.padEnd(40)} dtype ${'heuristic pick'.padEnd(20)} ${'ms'.padStart(8)} ${'tuned pick'.padEnd(20)} ${'ms'.padStart(8)} ` +
      `${'lane ms'.padStart(8)} ${'tiled ms'.padStart(8)} ${'sg ms'.padStart(8)} ${'tfjs ms'.padStart(8)}  tuned/lane  tuned/heur  tried`,
  );
}

function printVariantRow(r: VariantRow, log: (s: string) => void): void {
  const tried = r.tune ? `${r.tune.entry.candidates.filter((c) => c.ms !== null).length}${r.tune.timed ? '' : ' (cache)'}` : '-';
  log(
    `${r.shape.padEnd(40)} ${r.dtype.padEnd(5)} ${String(r.heuristic.variant).padEnd(20)} ${f(r.heuristic.ms).padStart(8)} ` +
      `${String(r.tuned.variant).padEnd(20)} ${f(r.tuned.ms).padStart(8)} ${f(r.lane.ms).padStart(8)} ` +
      `${f(r.tiled?.ms ?? null).padStart(8)} ${f(r.subgroup?.ms ?? null).padStart(8)} ${f(r.peerMs).padStart(8)}  ` +
      `${f(r.lane.ms / r.tuned.ms, 2).padStart(10)}  ${f(r.heuristic.ms / r.tuned.ms, 2).padStart(10)}  ${tried}`,
  );
}
