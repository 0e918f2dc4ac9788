/**
 * The matmul kernels behind one op. Every variant implements the same contract (matmul.wgsl's uniforms, bindings,
 * batched/strided addressing and epilogues), so a variant is only a kernel name, its specialisation and the output
 * tile one workgroup covers; ops/matmul.ts validates, packs the uniforms and dispatches whichever is chosen.
 */
import type { FloatDType } from '../dtype.js';
import type { Defines } from '../kernel-source.js';
import { defineKernel, type KernelDescriptor } from '../kernel-descriptor.js';
import { matmulBindings, storageDefines } from './matmul-storage.js';
import { SUBGROUP_CONFIGS, subgroupVariant } from './matmul-subgroup.js';


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
  /** A's rows are layer-normalised inside the kernel (LN_A); not every variant has that prologue. */
  lnA?: boolean;
}

export interface MatmulPlan {
  /** The kernel descriptor (it owns the workgroup size and the tile constants it injects). */
  descriptor: KernelDescriptor;
  /** Output rows and columns one workgroup covers (the grid is batch x ceil(M/BM) x ceil(N/BN)). */
  BM: number;
  BN: number;
  defines: Defines;
}

export interface MatmulVariant {
  name: string;
  /**
   * Whether this device can run it (features, workgroup size and memory limits). A GpuDevice also carries its
   * subgroup facts (hasSubgroups, subgroupSizes), which the subgroup variants read.
   */
  supports(dev: { limits: GPUSupportedLimits }, prob: MatmulProblem): boolean;
  plan(prob: MatmulProblem): MatmulPlan;
}

/**
 * Lane kernel register tiles, one descriptor each: WG lanes, each with TM rows x TN4 vec4 column groups. Picked by
 * measurement on lavapipe (see bench/): larger TM reuses each per-lane B load more, until the accumulators spill.
 * Few rows (matrix-vector like products) would waste most of a tall tile, hence the short one.
 */
function laneDescriptor(variant: string, tile: { TM: number; TN4: number; lanes: number }): KernelDescriptor {
  return defineKernel({
    kernel: 'matmul',
    variant,
    workgroupSize: tile.lanes,
    grid: 'own',
    constants: { TM: tile.TM, TN4: tile.TN4 },
    bindings: matmulBindings(),
  });
}
const LANE_TALL = laneDescriptor('tall', { TM: 12, TN4: 2, lanes: 8 });
const LANE_SHORT = laneDescriptor('short', { TM: 4, TN4: 2, lanes: 8 });

/** Today's kernel for software adapters: 8-lane workgroups, no workgroup memory, A loads uniform across lanes. */
export const laneVariant: MatmulVariant = {
  name: 'lane',
  supports: () => true,
  plan(prob) {
    const d = prob.M <= LANE_SHORT.constants.TM ? LANE_SHORT : LANE_TALL;
    return {
      descriptor: d,
      BM: d.constants.TM,
      BN: d.workgroupSize * d.constants.TN4 * 4,
      defines: {
        T: prob.dtype,
        BV: prob.vecB ? `vec4<${prob.dtype}>` : prob.dtype,
        VEC_B: prob.vecB,
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
  const name = `tiled${c.BM}x${c.BN}k${c.BK}t${c.TM}x${c.TN}`;
  const descriptor = defineKernel({
    kernel: 'matmul_tiled',
    variant: name,
    workgroupSize: invocations,
    grid: 'own',
    constants: { BM: c.BM, BN: c.BN, BK: c.BK, TM: c.TM, TN: c.TN },
    bindings: matmulBindings(),
  });
  return {
    name,
    supports: (dev) =>
      invocations <= dev.limits.maxComputeInvocationsPerWorkgroup &&
      invocations <= dev.limits.maxComputeWorkgroupSizeX &&
      sharedBytes <= dev.limits.maxComputeWorkgroupStorageSize,
    plan(prob) {
      return {
        descriptor,
        BM: c.BM,
        BN: c.BN,
        defines: { ...storageDefines(prob), B_KFAST: prob.transposed },
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

/** Every variant; those a device lacks the features for (subgroups) say so in supports(). */
export const MATMUL_VARIANTS: readonly MatmulVariant[] = [laneVariant, ...TILED_CONFIGS.map(tiledVariant), ...SUBGROUP_CONFIGS.map(subgroupVariant)];

export function matmulVariant(name: string): MatmulVariant {
  const v = MATMUL_VARIANTS.find((x) => x.name === name);
  if (!v) throw new Error(`unknown matmul variant "${name}" (known: ${MATMUL_VARIANTS.map((x) => x.name).join(', ')})`);
  return v;
}

/** The kernel files the variants are built from (their sources version the tuning cache). */
export const MATMUL_KERNELS = ['matmul', 'matmul_tiled', 'matmul_subgroup'];
