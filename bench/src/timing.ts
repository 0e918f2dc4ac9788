import type { GpuDevice } from '@clearclip/tensor';

export type TimingMethod = 'timestamp-query' | 'wall, many dispatches per submit';

export interface Timing {
  /** Median milliseconds of one repetition. */
  ms: number;
  /** Fastest repetition (timestamp path) or the same as ms (batched wall path, which has one sample). */
  minMs: number;
  method: TimingMethod;
  reps: number;
}

export interface TimingOptions {
  warmup: number;
  reps: number;
  /** Use the batched wall-clock path even where timestamp queries exist. */
  forceWall?: boolean;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

/**
 * Time one op on our device. `record` encodes one repetition (its outputs are disposed inside a scope). Warm-up
 * repetitions compile pipelines and fill the buffer pool. Then, where the adapter has timestamp-query, every
 * dispatch is timed on the GPU and a repetition's time is the sum over its dispatches; elsewhere all repetitions
 * are recorded into one submit and the wall time to completion is divided by their number.
 */
export async function timeOurs(dev: GpuDevice, record: () => void, opts: TimingOptions): Promise<Timing> {
  const once = () => dev.scope(() => void record());
  let perRep = 0;
  for (let i = 0; i < Math.max(1, opts.warmup); i++) {
    const before = dev.stats().dispatches;
    once();
    perRep = dev.stats().dispatches - before;
    await dev.sync();
  }
  const reps = Math.max(1, opts.reps);
  // Each profiled dispatch takes two queries; stay well inside the 4096-query limit of common adapters.
  const capacity = Math.min(2048, Math.max(1, perRep * reps));
  if (!opts.forceWall && perRep > 0 && perRep * reps <= capacity && dev.startProfiling(capacity)) {
    for (let i = 0; i < reps; i++) once();
    await dev.sync();
    const t = await dev.stopProfiling();
    const sums: number[] = [];
    for (let i = 0; i < reps; i++) sums.push(t.slice(i * perRep, (i + 1) * perRep).reduce((s, x) => s + x.ms, 0));
    return { ms: median(sums), minMs: Math.min(...sums), method: 'timestamp-query', reps };
  }
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) once();
  await dev.sync();
  const ms = (performance.now() - t0) / reps;
  return { ms, minMs: ms, method: 'wall, many dispatches per submit', reps };
}

/**
 * Time a peer op: warm-up runs each awaited, then `reps` runs queued back to back and the wall time until the last
 * result's data is on the host (which waits for every queued run), divided by reps.
 */
export async function timeWall<R>(run: () => R, sync: (r: R) => Promise<void>, release: (r: R) => void, opts: TimingOptions): Promise<Timing> {
  for (let i = 0; i < Math.max(1, opts.warmup); i++) {
    const r = run();
    await sync(r);
    release(r);
  }
  const reps = Math.max(1, opts.reps);
  const t0 = performance.now();
  let last: R | null = null;
  for (let i = 0; i < reps; i++) {
    if (last !== null) release(last);
    last = run();
  }
  await sync(last!);
  const ms = (performance.now() - t0) / reps;
  release(last!);
  return { ms, minMs: ms, method: 'wall, many dispatches per submit', reps };
}
