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
  if (v && v.supports(dev, prob)) return v;
  // A stale or foreign name (an older cache), or a tuned kernel without what this launch needs (the layer-norm
  // prologue), must never break a launch: the heuristic's pick, else the lane kernel, which runs anything.
  if (tuned && 'adapterDescription' in dev) {
    const h = matmulVariant(heuristicMatmulVariant(dev as GpuDevice, prob));
    if (h.supports(dev, prob)) return h;
  }
  return MATMUL_VARIANTS[0];
}
