import { adapterFingerprint, type GpuDevice } from '@clearclip/tensor';
import type { BenchCase } from './cases.js';
import type { Peer } from './peer-tfjs.js';
import { timeOurs, type TimingOptions } from './timing.js';

/** One line of the report (and of the --json output). */
export interface BenchRow {
  kernel: string;
  shape: string;
  dtype: string;
  /** Our median time per run, ms. */
  ms: number;
  gflops: number | null;
  gbps: number | null;
  /** The peer's time per run, ms (null where it was not measured or has no such op). */
  peerMs: number | null;
  /** peerMs / ms: above 1 means we are faster. */
  ratio: number | null;
  adapter: string;
  /** adapterFingerprint(): the tuning cache's name for the adapter. */
  adapterFingerprint: string;
  /** The kernel variant that ran (matmul), else null. */
  variant: string | null;
  timing: string;
  peer: string | null;
  /** Largest |ours - float64 reference| and the bound it was held to, when the case was verified. */
  maxErr: number | null;
  tol: number | null;
}

export interface RunOptions extends TimingOptions {
  peer?: Peer | null;
  /** Compare our output with the float64 reference (small cases only: the reference runs on the CPU). */
  verify?: boolean;
  seed?: number;
}

export async function runCase(dev: GpuDevice, c: BenchCase, opts: RunOptions): Promise<BenchRow> {
  const prep = c.prepare(dev, opts.seed ?? 1234);
  try {
    let maxErr: number | null = null;
    let tol: number | null = null;
    if (opts.verify && prep.reference) {
      const out = prep.run();
      const got = await out.read();
      out.dispose();
      const ref = prep.reference();
      tol = ref.tol;
      maxErr = got.length === ref.expected.length ? 0 : Infinity;
      for (let i = 0; i < got.length && maxErr !== Infinity; i++) {
        const e = Math.abs(got[i] - ref.expected[i]);
        maxErr = Number.isNaN(e) ? Infinity : Math.max(maxErr, e);
      }
    }
    const ours = await timeOurs(dev, () => void prep.run(), opts);
    let peerMs: number | null = null;
    let peerName: string | null = null;
    // The peer runs float32 only (tfjs's WebGPU backend has no f16 tensors).
    if (opts.peer && prep.peer && c.dtype === 'f32') {
      const p = prep.peer(opts.peer.tf);
      try {
        peerMs = (await opts.peer.time(p.run, opts)).ms;
        peerName = p.label ? `${opts.peer.name} (${p.label})` : opts.peer.name;
      } finally {
        p.dispose();
      }
    }
    return {
      kernel: c.kernel,
      shape: c.shape,
      dtype: c.dtype,
      ms: ours.ms,
      gflops: c.flops ? c.flops / ours.ms / 1e6 : null,
      gbps: c.bytes ? c.bytes / ours.ms / 1e6 : null,
      peerMs,
      ratio: peerMs !== null ? peerMs / ours.ms : null,
      adapter: dev.describe(),
      adapterFingerprint: adapterFingerprint(dev),
      variant: prep.variant?.() ?? null,
      timing: ours.method,
      peer: peerName,
      maxErr,
      tol,
    };
  } finally {
    prep.dispose();
  }
}
