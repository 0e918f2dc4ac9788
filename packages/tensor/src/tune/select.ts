/** The selection point ops/matmul.ts calls: a forced variant, else the tuned choice, else the heuristic. */
import type { GpuDevice } from '../device.js';
import type { DeviceHost } from '../host.js';
import { MATMUL_VARIANTS, matmulVariant, type MatmulProblem, type MatmulVariant } from '../ops/matmul-variants.js';
import { tunedChoice, tuningEnabled } from './choices.js';
import { heuristicMatmulVariant } from './heuristics.js';
import { matmulShapeKey } from './shape-key.js';

export function selectMatmulVariant(dev: DeviceHost | GpuDevice, prob: MatmulProblem, forced?: string): MatmulVariant {
  if (forced) {
    const v = matmulVariant(forced);
    if (!v.supports(dev, prob)) throw new Error(`matmul variant "${forced}" does not run on ${dev.describe()}`);
    return v;
  }
  const tuned = tuningEnabled() ? tunedChoice(dev, matmulShapeKey(prob)) : undefined;
  // A host that is not a GpuDevice (no adapter to classify) gets the lane kernel, which runs anywhere.
  const name = tuned ?? ('adapterDescription' in dev ? heuristicMatmulVariant(dev as GpuDevice, prob) : 'lane');
  const v = MATMUL_VARIANTS.find((x) => x.name === name);
  // A stale or foreign name (an older cache) must never break a launch: fall back to the lane kernel.
  return v && v.supports(dev, prob) ? v : MATMUL_VARIANTS[0];
}
