/**
 * The subgroup matmul variants (kernels/matmul_subgroup.wgsl): the lane kernel's register tile, with A loaded once
 * per subgroup and shared by subgroupShuffle. Offered only on devices with the 'subgroups' feature, and only where
 * the workgroup is whole subgroups (WG a multiple of the adapter's largest subgroup size), since a shuffle from a
 * lane that does not exist is undefined.
 */
import { defineKernel } from '../kernel-descriptor.js';
import { matmulBindings, storageDefines } from './matmul-storage.js';
import type { MatmulProblem, MatmulVariant } from './matmul-variants.js';

/** What a variant may ask of a device: its limits, and (a GpuDevice) its subgroup facts. */
interface SubgroupFacts {
  limits: GPUSupportedLimits;
  hasSubgroups?: boolean;
  subgroupSizes?: { min: number; max: number } | null;
}

export interface SubgroupConfig {
  /** Lanes per workgroup. */
  WG: number;
  /** Rows per tile. */
  TM: number;
  /** vec4 column groups per lane. */
  TN4: number;
}

/** Largest subgroup size assumed when an adapter does not report its sizes (the largest any GPU uses). */
const UNKNOWN_MAX_SUBGROUP = 128;

export function subgroupVariant(c: SubgroupConfig): MatmulVariant {
  const name = `subgroup${c.WG}t${c.TM}x${c.TN4 * 4}`;
  const descriptor = defineKernel({
    kernel: 'matmul_subgroup',
    variant: name,
    workgroupSize: c.WG,
    grid: 'own',
    constants: { TM: c.TM, TN4: c.TN4 },
    bindings: matmulBindings(),
  });
  return {
    name,
    supports(dev, prob) {
      const d = dev as SubgroupFacts;
      // A is shared through subgroup shuffles of raw loads: no layer-norm prologue here.
      if (!d.hasSubgroups || prob?.lnA) return false;
      const max = d.subgroupSizes?.max ?? UNKNOWN_MAX_SUBGROUP;
      return c.WG % max === 0 && c.WG <= dev.limits.maxComputeInvocationsPerWorkgroup && c.WG <= dev.limits.maxComputeWorkgroupSizeX;
    },
    plan(prob: MatmulProblem) {
      return {
        descriptor,
        BM: c.TM,
        BN: c.WG * c.TN4 * 4,
        defines: storageDefines(prob),
      };
    },
  };
}

/**
 * Two tiles: 8 lanes with the lane kernel's tall tile (one subgroup on lavapipe, two on SwiftShader; not offered
 * where subgroups are wider than 8, i.e. most hardware GPUs), and 64 lanes with a shorter tile for GPUs whose
 * subgroups are 16-64 wide.
 */
export const SUBGROUP_CONFIGS: SubgroupConfig[] = [
  { WG: 8, TM: 12, TN4: 2 },
  { WG: 64, TM: 4, TN4: 1 },
];
