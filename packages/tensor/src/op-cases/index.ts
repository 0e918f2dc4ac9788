/**
 * @clearclip/tensor/op-cases: the op case table. One entry per op declares its cases (awkward test shapes and
 * ViT-B/16 bench shapes), input ranges, the op call, the float64 reference and the tolerance rule; the kernel
 * tests and the bench both iterate it.
 */
import type { OpCase } from './types.js';
import { addCases } from './elementwise.js';
import { softmaxCases } from './softmax.js';
import { layerNormCases } from './layernorm.js';
import { l2NormalizeCases } from './l2normalize.js';
import { permuteCases } from './permute.js';
import { concatCases, sliceCases } from './concat.js';
import { gatherRowsCases } from './gather.js';
import { patchEmbedCases } from './patch-embed.js';
import { resizeBilinearCases, resizeBicubicCases } from './resize.js';
import { matmulCases } from './matmul.js';
import { castCases } from './cast.js';

export type { CaseData, CasePurpose, HostInput, OpCase, Tolerance } from './types.js';
export { uniform, rng, hostInput, numel } from './data.js';
export { EXACT } from './exact.js';
export { addCases, addTolerance } from './elementwise.js';
export { softmaxCase, softmaxCases, softmaxTolerance, type SoftmaxParams } from './softmax.js';
export { layerNormCase, layerNormCases, layerNormTolerance, type LayerNormParams } from './layernorm.js';
export { l2NormalizeCases, l2NormalizeTolerance } from './l2normalize.js';
export { permuteCases } from './permute.js';
export { concatCases, sliceCases } from './concat.js';
export { gatherRowsCases } from './gather.js';
export { patchEmbedCases, patchEmbedTolerance } from './patch-embed.js';
export { resizeBilinearCases, resizeBicubicCases, resizeTolerance } from './resize.js';
export { castCases, wideF16Range } from './cast.js';
export { matmulCase, matmulCases, matmulTolerance, type MatmulParams, type MatmulShape } from './matmul.js';

/** Every op's cases, the bench's rows (purpose 'bench') among them. */
export const opCaseTable: readonly OpCase[] = [
  ...matmulCases,
  ...softmaxCases,
  ...layerNormCases,
  ...l2NormalizeCases,
  ...addCases,
  ...permuteCases,
  ...concatCases,
  ...sliceCases,
  ...gatherRowsCases,
  ...patchEmbedCases,
  ...resizeBilinearCases,
  ...resizeBicubicCases,
  ...castCases,
] as readonly OpCase[];
