/**
 * The row-kernel tuner: for softmax and layerNorm, times one invocation per row against one workgroup per row on
 * a shape of the row-length bucket, after checking both against the float64 reference, and keeps the heuristic's
 * pick (the threshold in tune/rows.ts) unless the other is at least MIN_GAIN faster, in the sweep and again in
 * alternating confirmation rounds (as the matmul tuner). Entries share the adapter's
 * cache file with the matmul tuner's (keys softmax/... and layernorm/..., versioned by those kernels' sources).
 */
import type { GpuDevice } from '../device.js';
import { layerNorm } from '../ops/layernorm.js';
import { softmax } from '../ops/softmax.js';
import { layerNormRef } from '../reference/layernorm.js';
import { softmaxRef } from '../reference/softmax.js';
import type { Tensor } from '../tensor.js';
import { adapterFingerprint } from './adapter.js';
import { setTunedChoice } from './choices.js';
import { heuristicRowVariant, ROW_VARIANTS, rowShapeKey, type RowOp, type RowVariant } from './rows.js';
import type { TunedCandidate, TunedEntry, TuneFile } from './store.js';
import { confirmGain, MIN_GAIN, rowKernelHash, speedupOf, timeLaunches, type TuneOptions, type TuneResult } from './tuner.js';
import { uniform } from '../op-cases/data.js';

export interface RowTuneShape {
  op: RowOp;
  rows: number;
  cols: number;
  dtype?: 'f32' | 'f16';
  label?: string;
}

function shapeText(s: RowTuneShape): string {
  return `${s.op} ${s.rows}x${s.cols} ${s.dtype ?? 'f32'}`;
}

/** Loose enough for any correct kernel in f32 or f16 storage, tight enough to catch a wrong one. */
function agrees(got: ArrayLike<number>, want: Float64Array, f16: boolean): { ok: boolean; worst: number } {
  const [atol, rtol] = f16 ? [2e-3, 4e-3] : [1e-5, 1e-4];
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const r = Math.abs(got[i] - want[i]) / (atol + rtol * Math.abs(want[i]));
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r;
  }
  return { ok: worst <= 1, worst };
}

export async function tuneRowKernels(dev: GpuDevice, shapes: readonly RowTuneShape[], opts: TuneOptions = {}): Promise<TuneResult[]> {
  const log = opts.log ?? (() => {});
  const reps = opts.reps ?? 5;
  const budget = opts.budgetMs ?? 60_000;
  const adapter = adapterFingerprint(dev);
  const file: TuneFile = (opts.store && (await opts.store.load(adapter))) || { version: 1, adapter, description: dev.describe(), entries: {} };
  const started = performance.now();
  const results: TuneResult[] = [];
  for (const s of shapes) {
    const dtype = s.dtype ?? 'f32';
    if (dtype === 'f16' && !dev.hasF16) continue;
    const key = rowShapeKey(s.op, dtype, s.cols);
    const hash = rowKernelHash(s.op);
    const cached = file.entries[key];
    if (cached && cached.kernelHash === hash && !opts.force) {
      setTunedChoice(dev, key, cached.winner);
      results.push({ key, shape: shapeText(s), label: s.label, timed: false, entry: cached, speedup: speedupOf(cached) });
      continue;
    }
    const host = uniform(s.rows * s.cols, 3 + s.cols);
    const x = dev.tensor(host, [s.rows, s.cols], dtype, 'tune');
    const xs = dtype === 'f16' ? await x.read() : host; // the values the kernel sees
    const gh = uniform(s.cols, 5 + s.cols);
    const bh = uniform(s.cols, 7 + s.cols);
    const gamma = dev.tensor(gh, [s.cols], 'f32', 'tune');
    const beta = dev.tensor(bh, [s.cols], 'f32', 'tune');
    const launch = (v: RowVariant): Tensor => (s.op === 'softmax' ? softmax(x, { scale: 0.125, variant: v }) : layerNorm(x, gamma, beta, 1e-5, { variant: v }));
    const want = s.op === 'softmax' ? softmaxRef(xs, s.cols, 0.125) : layerNormRef(xs, gh, bh, 1e-5);
    const heuristic = heuristicRowVariant(s.op, s.cols);
    const candidates: TunedCandidate[] = [];
    for (const v of [...ROW_VARIANTS].sort((p, q) => Number(q === heuristic) - Number(p === heuristic))) {
      if (performance.now() - started > budget && candidates.some((c) => c.ms !== null)) {
        candidates.push({ variant: v, ms: null, ok: false, note: 'budget spent' });
        continue;
      }
      const out = launch(v);
      const check = agrees(await out.read(), want, dtype === 'f16');
      out.dispose();
      if (!check.ok) {
        candidates.push({ variant: v, ms: null, ok: false, note: `wrong result (err/tol ${check.worst.toFixed(2)})` });
        continue;
      }
      candidates.push({ variant: v, ms: await timeLaunches(dev, () => launch(v), reps), ok: true });
    }
    const timedOk = candidates.filter((c) => c.ok && c.ms !== null).sort((p, q) => p.ms! - q.ms!);
    const heuristicMs = candidates.find((c) => c.variant === heuristic && c.ok)?.ms ?? null;
    const best = timedOk[0];
    let winner = best && (heuristicMs === null || best.ms! * MIN_GAIN <= heuristicMs) ? best.variant : heuristic;
    let confirmation: TunedEntry['confirmation'];
    if (winner !== heuristic && heuristicMs !== null) {
      confirmation = await confirmGain(dev, () => launch(heuristic), () => launch(winner as RowVariant), reps);
      if (confirmation.gain < MIN_GAIN) winner = heuristic;
    }
    const entry: TunedEntry = {
      winner,
      ...(confirmation ? { confirmation } : {}),
      heuristic,
      kernelHash: hash,
      shape: shapeText(s),
      timing: dev.hasTimestamps ? 'timestamp-query' : 'wall-clock',
      candidates,
      tunedAt: new Date().toISOString(),
    };
    for (const t of [x, gamma, beta]) t.dispose();
    file.entries[key] = entry;
    setTunedChoice(dev, key, winner);
    log(`tuned ${entry.shape}: ${winner} (${candidates.map((c) => `${c.variant} ${c.ms?.toFixed(3) ?? '-'} ms`).join(', ')})`);
    results.push({ key, shape: entry.shape, label: s.label, timed: true, entry, speedup: speedupOf(entry) });
    if (opts.store) await opts.store.save(adapter, file);
  }
  return results;
}
