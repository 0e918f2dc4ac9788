/**
 * The matmul kernels behind one op. Every variant implements the same contract (matmul.wgsl's uniforms, bindings,
 * batched/strided addressing and epilogues), so a variant is only a kernel name, its specialisation and the output
 * tile one workgroup covers; ops/matmul.ts validates, packs the uniforms and dispatches whichever is chosen.
 */
import type { GpuDevice } from '../device.js';
import type { FloatDType } from '../dtype.js';
import type { Defines } from '../kernel-source.js';

/** What a variant needs to know about one launch to decide whether it applies and how to specialise. */
export interface MatmulProblem {
  dtype: FloatDType;
  batch: number;
  M: number;
  N: number;
  K: number;
  /** B is read transposed ([N, K] rows). */
  transposed: boolean;
  /** A rows contiguous, K % 4 == 0 and A's offset and strides 4-aligned: vec4 loads along k are exact. */
  vecA: boolean;
  /** B not transposed, N % 4 == 0 and B's offset and strides 4-aligned: vec4 loads along n are exact. */
  vecB: boolean;
}

export interface MatmulPlan {
  kernel: string;
  /** Output rows and columns one workgroup covers (the grid is batch x ceil(M/BM) x ceil(N/BN)). */
  BM: number;
  BN: number;
  defines: Defines;
}

export interface MatmulVariant {
  name: string;
  /** Whether this device can run it (features, workgroup size and memory limits). */
  supports(dev: GpuDevice, prob: MatmulProblem): boolean;
  plan(prob: MatmulProblem): MatmulPlan;
}

/**
 * Lane kernel register tile: WX lanes, each with TM rows x TN4 vec4 column groups. Picked by measurement on
 * lavapipe (see bench/): larger TM reuses each per-lane B load more, until the accumulators spill.
 */
export interface MatmulTile {
  TM: number;
  TN4: number;
  WX: number;
}
const LANE_TILE: MatmulTile = { TM: 12, TN4: 2, WX: 8 };
/** Few rows (matrix-vector like products) would waste most of a tall tile. */
const LANE_SHORT_TILE: MatmulTile = { TM: 4, TN4: 2, WX: 8 };
let laneTileOverride: MatmulTile | null = null;

/** For the benchmark's tile search: force the lane kernel's tile (null restores the default choice). */
export function setMatmulTile(cfg: MatmulTile | null): void {
  laneTileOverride = cfg;
}

/** Today's kernel for software adapters: 8-lane workgroups, no workgroup memory, A loads uniform across lanes. */
export const laneVariant: MatmulVariant = {
  name: 'lane',
  supports: () => true,
  plan(prob) {
    const cfg = laneTileOverride ?? (prob.M <= LANE_SHORT_TILE.TM ? LANE_SHORT_TILE : LANE_TILE);
    return {
      kernel: 'matmul',
      BM: cfg.TM,
      BN: cfg.WX * cfg.TN4 * 4,
      defines: {
        T: prob.dtype,
        BV: prob.vecB ? `vec4<${prob.dtype}>` : prob.dtype,
        VEC_B: prob.vecB,
        TM: `${cfg.TM}u`,
        TN4: `${cfg.TN4}u`,
        WX: `${cfg.WX}u`,
      },
    };
  },
};

/** A workgroup-memory tiled configuration of kernels/matmul_tiled.wgsl. */
export interface TiledConfig {
  BM: number;
  BN: number;
  BK: number;
  TM: number;
  TN: number;
}

export function tiledVariant(c: TiledConfig): MatmulVariant {
  const invocations = (c.BM / c.TM) * (c.BN / c.TN);
  const sharedBytes = 4 * c.BK * (c.BM + c.BN);
  if (c.BN % c.TN || c.BM % c.TM || c.TN % 4 || c.BK % 4) throw new Error(`tiledVariant: inconsistent config ${JSON.stringify(c)}`);
  return {
    name: `tiled${c.BM}x${c.BN}k${c.BK}t${c.TM}x${c.TN}`,
    supports: (dev) =>
      invocations <= dev.limits.maxComputeInvocationsPerWorkgroup &&
      invocations <= dev.limits.maxComputeWorkgroupSizeX &&
      sharedBytes <= dev.limits.maxComputeWorkgroupStorageSize,
    plan(prob) {
      return {
        kernel: 'matmul_tiled',
        BM: c.BM,
        BN: c.BN,
        defines: {
          T: prob.dtype,
          AV: prob.vecA ? `vec4<${prob.dtype}>` : prob.dtype,
          BV: prob.vecB ? `vec4<${prob.dtype}>` : prob.dtype,
          VEC_A: prob.vecA,
          VEC_B: prob.vecB,
          B_KFAST: prob.transposed,
          BM: `${c.BM}u`,
          BN: `${c.BN}u`,
          BK: `${c.BK}u`,
          TM: `${c.TM}u`,
          TN: `${c.TN}u`,
        },
      };
    },
  };
}

/** Tiled configurations worth timing: small tiles for small or skinny products, big ones for throughput. */
export const TILED_CONFIGS: TiledConfig[] = [
  { BM: 32, BN: 32, BK: 16, TM: 4, TN: 4 }, // 64 invocations
  { BM: 64, BN: 64, BK: 8, TM: 4, TN: 4 }, // 256
  { BM: 64, BN: 64, BK: 16, TM: 8, TN: 4 }, // 128
  { BM: 64, BN: 64, BK: 32, TM: 8, TN: 8 }, // 64
  { BM: 128, BN: 64, BK: 16, TM: 8, TN: 8 }, // 128
];

export const MATMUL_VARIANTS: readonly MatmulVariant[] = [laneVariant, ...TILED_CONFIGS.map(tiledVariant)];

export function matmulVariant(name: string): MatmulVariant {
  const v = MATMUL_VARIANTS.find((x) => x.name === name);
  if (!v) throw new Error(`unknown matmul variant "${name}" (known: ${MATMUL_VARIANTS.map((x) => x.name).join(', ')})`);
  return v;
}

/** The kernel files the variants are built from (their sources version the tuning cache). */
export const MATMUL_KERNELS = ['matmul', 'matmul_tiled'];
