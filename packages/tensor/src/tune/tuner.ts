/**
 * The matmul autotuner. For each problem's (adapter, family, dtype, shape bucket) it reuses a cached choice whose
 * kernel hash is current, or else runs every supported variant on the problem's shape, rejects those that disagree
 * with the reference kernel (the lane kernel) beyond the op's tolerance, times the rest (GPU timestamps where the
 * adapter has them, else wall clock over queued launches), keeps the fastest and persists it.
 */
import type { GpuDevice } from '../device.js';
import { kernelSource } from '../kernel-source.js';
import { matmulStrided } from '../ops/matmul.js';
import { MATMUL_KERNELS, MATMUL_VARIANTS, type MatmulProblem } from '../ops/matmul-variants.js';
import type { Tensor } from '../tensor.js';
import { uniform } from '../op-cases/data.js';
import { adapterFingerprint } from './adapter.js';
import { setTunedChoice } from './choices.js';
import { fnv1a64 } from './hash.js';
import { heuristicMatmulVariant } from './heuristics.js';
import { matmulShapeKey } from './shape-key.js';
import { ROW_KERNELS, ROW_VARIANTS, type RowOp } from './rows.js';
import type { TunedCandidate, TunedEntry, TuneFile, TuneStore } from './store.js';

/** A matmul shape to tune, in the op's terms; layout flags default to a dense, aligned, untransposed product. */
export interface MatmulTuneShape {
  dtype?: 'f32' | 'f16';
  batch?: number;
  M: number;
  N: number;
  K: number;
  transposed?: boolean;
  /** B has one matrix per batch entry (attention) rather than one shared (a linear layer). */
  batchedB?: boolean;
  /** A name for tables ("qkv", "attn scores"). */
  label?: string;
}

export interface TuneOptions {
  store?: TuneStore;
  /** Stop timing new candidates once this much wall time is spent (cached entries cost nothing). Default 60 s. */
  budgetMs?: number;
  /** Timed launches per candidate (median taken). Default 5. */
  reps?: number;
  /** Time again even where the cache has a current entry. */
  force?: boolean;
  log?: (line: string) => void;
}

export interface TuneResult {
  key: string;
  /** The shape asked for; entry.shape is the one timed for its bucket (they differ when a bucket is shared). */
  shape: string;
  label?: string;
  /** True when this call timed the candidates; false when the entry came from the cache. */
  timed: boolean;
  entry: TunedEntry;
  /** heuristic time / winner time, when both were timed. */
  speedup: number | null;
}

/** A candidate replaces the heuristic's pick only when at least this much faster. */
export const MIN_GAIN = 1.1;

/** Versions the cache: the kernel sources of the family and the variant list. */
export function kernelHash(sources: readonly string[], variantNames: readonly string[]): string {
  return fnv1a64(`${variantNames.join(',')}\n${sources.join('\n\u0000\n')}`);
}

export function matmulKernelHash(): string {
  return kernelHash(MATMUL_KERNELS.map(kernelSource), MATMUL_VARIANTS.map((v) => v.name));
}

export function rowKernelHash(op: RowOp): string {
  return kernelHash(ROW_KERNELS[op].map(kernelSource), ROW_VARIANTS);
}

/**
 * The current kernel hash of a cache key's family (the key's first segment: matmul, softmax, layernorm), or null
 * for a family this version does not know.
 */
export function familyKernelHash(key: string): string | null {
  const family = key.split('/')[0];
  if (family === 'matmul') return matmulKernelHash();
  if (family === 'softmax' || family === 'layernorm') return rowKernelHash(family);
  return null;
}

/** Make the device use the choices in its cache file (those with a current kernel hash). Returns how many. */
export async function loadTunedChoices(dev: GpuDevice, store: TuneStore): Promise<number> {
  const file = await store.load(adapterFingerprint(dev));
  if (!file) return 0;
  let n = 0;
  for (const [key, e] of Object.entries(file.entries)) {
    if (e.kernelHash === familyKernelHash(key)) {
      setTunedChoice(dev, key, e.winner);
      n++;
    }
  }
  return n;
}

interface Operands {
  prob: MatmulProblem;
  a: Tensor;
  b: Tensor;
  absA: Tensor;
  absB: Tensor;
  aRS: number;
  bRS: number;
  bBS: number;
}

function makeOperands(dev: GpuDevice, s: MatmulTuneShape): Operands {
  const dtype = s.dtype ?? 'f32';
  const batch = s.batch ?? 1;
  const { M, N, K } = s;
  const transposed = !!s.transposed;
  const aRS = K;
  const bRS = transposed ? K : N;
  const bMats = s.batchedB ? batch : 1;
  const bBS = s.batchedB ? (transposed ? N : K) * bRS : 0;
  const ha = uniform(batch * M * aRS, 1 + M + 7 * K);
  const hb = uniform(bMats * (transposed ? N : K) * bRS, 2 + N + 11 * K);
  const up = (x: Float32Array, shape: number[]) => dev.tensor(x, shape, dtype, 'tune');
  const abs = (x: Float32Array) => x.map(Math.abs);
  const aShape = [batch * M, aRS];
  const bShape = [bMats * (transposed ? N : K), bRS];
  const vecA = K % 4 === 0;
  const vecB = !transposed && N % 4 === 0;
  return {
    prob: { dtype, batch, M, N, K, transposed, vecA, vecB },
    a: up(ha, aShape),
    b: up(hb, bShape),
    absA: up(abs(ha), aShape),
    absB: up(abs(hb), bShape),
    aRS,
    bRS,
    bBS,
  };
}

function run(ops: Operands, variant: string, abs = false): Tensor {
  const { prob } = ops;
  return matmulStrided({
    batch: prob.batch,
    M: prob.M,
    N: prob.N,
    K: prob.K,
    a: { tensor: abs ? ops.absA : ops.a, offset: 0, batchStride: prob.M * ops.aRS, rowStride: ops.aRS },
    b: { tensor: abs ? ops.absB : ops.b, offset: 0, batchStride: ops.bBS, rowStride: ops.bRS, transposed: prob.transposed },
    variant,
  });
}

/**
 * The op's tolerance: each of two f32-accumulated sums of K products is within (K + 8) u sum|a||b| of the exact
 * value (u = 2^-24), so they differ by at most twice that; f16 outputs may each round once more (2^-11 relative).
 */
function agrees(got: ArrayLike<number>, ref: ArrayLike<number>, scale: ArrayLike<number>, K: number, f16: boolean): { ok: boolean; worst: number } {
  const u = 2 ** -24;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const bound = 2 * (K + 8) * u * scale[i] + (f16 ? 2 * 2 ** -11 * Math.abs(ref[i]) + 2 ** -24 : 0) + 1e-30;
    const r = Math.abs(got[i] - ref[i]) / bound;
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r;
  }
  return { ok: worst <= 1, worst };
}

function timeVariant(dev: GpuDevice, ops: Operands, variant: string, reps: number): Promise<number> {
  return timeLaunches(dev, () => run(ops, variant), reps);
}

/** Alternating rounds before a candidate replaces the heuristic's pick. */
export const CONFIRM_ROUNDS = 3;

/**
 * Time the heuristic's pick and a challenger in alternating rounds (the order flips each round, so that load drift
 * on a shared machine favours neither); gain is the median over rounds of heuristic time / challenger time.
 */
export async function confirmGain(dev: GpuDevice, heuristic: () => Tensor, challenger: () => Tensor, reps: number, rounds = CONFIRM_ROUNDS): Promise<{ rounds: number; gain: number }> {
  const gains: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let h: number;
    let c: number;
    if (r % 2) {
      c = await timeLaunches(dev, challenger, reps);
      h = await timeLaunches(dev, heuristic, reps);
    } else {
      h = await timeLaunches(dev, heuristic, reps);
      c = await timeLaunches(dev, challenger, reps);
    }
    gains.push(c > 0 ? h / c : 1);
  }
  gains.sort((x, y) => x - y);
  return { rounds, gain: gains[Math.floor(gains.length / 2)] };
}

/**
 * Median GPU time of one launch (timestamp-query), else wall clock over `reps` queued launches. `launch` records
 * one kernel launch and returns its output, which is disposed.
 */
export async function timeLaunches(dev: GpuDevice, launch: () => Tensor, reps: number): Promise<number> {
  launch().dispose(); // warm-up: pipeline compile, caches
  await dev.sync();
  if (dev.startProfiling(reps)) {
    for (let i = 0; i < reps; i++) launch().dispose();
    const ms = (await dev.stopProfiling()).map((x) => x.ms).sort((x, y) => x - y);
    return ms[Math.floor(ms.length / 2)];
  }
  // Wall clock over queued launches: one submit, one wait, so per-launch overhead is amortised.
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) launch().dispose();
  await dev.sync();
  return (performance.now() - t0) / reps;
}

function shapeText(p: MatmulProblem): string {
  return `${p.batch > 1 ? p.batch + 'x' : ''}${p.M}x${p.K} @ ${p.transposed ? 'T' : ''}${p.K}x${p.N} ${p.dtype}`;
}

export async function tuneMatmul(dev: GpuDevice, shapes: readonly MatmulTuneShape[], opts: TuneOptions = {}): Promise<TuneResult[]> {
  const log = opts.log ?? (() => {});
  const reps = opts.reps ?? 5;
  const budget = opts.budgetMs ?? 60_000;
  const adapter = adapterFingerprint(dev);
  const hash = matmulKernelHash();
  const file: TuneFile = (opts.store && (await opts.store.load(adapter))) || { version: 1, adapter, description: dev.describe(), entries: {} };
  const started = performance.now();
  const results: TuneResult[] = [];
  for (const s of shapes) {
    if ((s.dtype ?? 'f32') === 'f16' && !dev.hasF16) continue;
    const ops = makeOperands(dev, s);
    const key = matmulShapeKey(ops.prob);
    const cached = file.entries[key];
    if (cached && cached.kernelHash === hash && !opts.force) {
      setTunedChoice(dev, key, cached.winner);
      results.push({ key, shape: shapeText(ops.prob), label: s.label, timed: false, entry: cached, speedup: speedupOf(cached) });
      for (const t of [ops.a, ops.b, ops.absA, ops.absB]) t.dispose();
      continue;
    }
    const heuristic = heuristicMatmulVariant(dev, ops.prob);
    const ref = await run(ops, 'lane').read();
    const scale = await run(ops, 'lane', true).read();
    const candidates: TunedCandidate[] = [];
    // The heuristic's pick first, so that it is timed even when the budget runs out.
    const order = [...MATMUL_VARIANTS].sort((x, y) => Number(y.name === heuristic) - Number(x.name === heuristic));
    for (const v of order) {
      if (!v.supports(dev, ops.prob)) {
        candidates.push({ variant: v.name, ms: null, ok: false, note: 'unsupported on this device' });
        continue;
      }
      if (performance.now() - started > budget && candidates.some((c) => c.ms !== null)) {
        candidates.push({ variant: v.name, ms: null, ok: false, note: 'budget spent' });
        continue;
      }
      const check = agrees(await run(ops, v.name).read(), ref, scale, ops.prob.K, ops.prob.dtype === 'f16');
      if (!check.ok) {
        candidates.push({ variant: v.name, ms: null, ok: false, note: `wrong result (err/bound ${check.worst.toFixed(2)})` });
        continue;
      }
      candidates.push({ variant: v.name, ms: await timeVariant(dev, ops, v.name, reps), ok: true });
    }
    const timedOk = candidates.filter((c) => c.ok && c.ms !== null).sort((x, y) => x.ms! - y.ms!);
    const heuristicMs = candidates.find((c) => c.variant === heuristic && c.ok)?.ms ?? null;
    // Keep the heuristic's pick unless another is clearly faster, twice (the sweep, then alternating rounds): on a
    // loaded machine a few percent is noise, and a choice flipped by noise is what "never slower than the heuristic"
    // must not allow.
    const best = timedOk[0];
    let winner = best && (heuristicMs === null || best.ms! * MIN_GAIN <= heuristicMs) ? best.variant : heuristic;
    let confirmation: TunedEntry['confirmation'];
    if (winner !== heuristic && heuristicMs !== null) {
      // One quiet moment must not flip a choice: time the two again, alternating, and keep the candidate only if it
      // still wins by MIN_GAIN in the median round.
      confirmation = await confirmGain(dev, () => run(ops, heuristic), () => run(ops, winner), reps);
      if (confirmation.gain < MIN_GAIN) winner = heuristic;
      log(`  confirm ${best.variant} vs ${heuristic}: ${confirmation.gain.toFixed(2)}x over ${confirmation.rounds} rounds -> ${winner}`);
    }
    const entry: TunedEntry = {
      winner,
      ...(confirmation ? { confirmation } : {}),
      heuristic,
      kernelHash: hash,
      shape: shapeText(ops.prob),
      timing: dev.hasTimestamps ? 'timestamp-query' : 'wall-clock',
      candidates,
      tunedAt: new Date().toISOString(),
    };
    file.entries[key] = entry;
    setTunedChoice(dev, key, entry.winner);
    log(`tuned ${entry.shape}: ${entry.winner} (${candidates.filter((c) => c.ms !== null).length} timed)`);
    results.push({ key, shape: entry.shape, label: s.label, timed: true, entry, speedup: speedupOf(entry) });
    for (const t of [ops.a, ops.b, ops.absA, ops.absB]) t.dispose();
    if (opts.store) await opts.store.save(adapter, file);
  }
  return results;
}

/** How much faster the winner ran than the heuristic's pick in the timing sweep (null when either was not timed). */
export function speedupOf(e: TunedEntry): number | null {
  const ms = (name: string) => e.candidates.find((c) => c.variant === name)?.ms ?? null;
  const h = ms(e.heuristic);
  const w = ms(e.winner);
  return h !== null && w !== null && w > 0 ? h / w : null;
}
