import type { Tensor } from '../tensor.js';
import { isFloat } from '../dtype.js';
import { shapeStr } from '../shape.js';
import { ceilDiv, params } from './grid.js';
import { defineKernel } from '../kernel-descriptor.js';

/** A 64 x 64 output tile per workgroup of 16 x 16 invocations, each a 4 x 4 block. */
const PATCH_EMBED = defineKernel({
  kernel: 'patch_embed',
  workgroupSize: [16, 16],
  grid: 'own',
  constants: { BM: 64, BN: 64 },
  bindings: { uniforms: true, inputs: ['image', 'weight'], outputs: ['out'] },
});
const { BM, BN } = PATCH_EMBED.constants;

/**
 * Patch embedding: Conv2d(C -> D, kernel = stride = patch, no bias).
 * image [B, C, H, W] (H, W multiples of patch), weight [D, C, patch, patch] (PyTorch layout), f32 or f16 each.
 * Returns [B, gh*gw, D] in the image's dtype, tokens row-major over gh = H/patch rows of gw = W/patch.
 */
export function patchEmbed(image: Tensor, weight: Tensor, patch: number): Tensor {
  const what = `patchEmbed(image ${shapeStr(image.shape)}, weight ${shapeStr(weight.shape)}, patch ${patch})`;
  if (!Number.isInteger(patch) || patch <= 0) throw new Error(`${what}: patch must be a positive integer`);
  if (image.rank !== 4) throw new Error(`${what}: image must be [B, C, H, W]`);
  if (weight.rank !== 4) throw new Error(`${what}: weight must be [D, C, patch, patch]`);
  if (!isFloat(image.dtype) || !isFloat(weight.dtype)) throw new Error(`${what}: image and weight must be f32 or f16, got ${image.dtype} and ${weight.dtype}`);
  const [B, C, H, W] = image.shape;
  const [D, wc, ph, pw] = weight.shape;
  if (wc !== C) throw new Error(`${what}: weight has ${wc} input channels, image has ${C}`);
  if (ph !== patch || pw !== patch) throw new Error(`${what}: weight kernel is ${ph}x${pw}, not ${patch}x${patch}`);
  if (H % patch !== 0 || W % patch !== 0) throw new Error(`${what}: image height ${H} and width ${W} must be multiples of the patch size ${patch}`);
  const gh = H / patch;
  const gw = W / patch;
  const tokens = gh * gw;
  const M = B * tokens;
  const K = C * patch * patch;
  const out = image.device.empty([B, tokens, D], image.dtype, 'patchEmbed');
  PATCH_EMBED.dispatch(image.device, {
    defines: { T: image.dtype, WT: weight.dtype },
    uniforms: params([
      { u: M }, { u: D }, { u: K }, { u: tokens },
      { u: gw }, { u: patch }, { u: H }, { u: W },
      { u: C }, { u: 0 }, { u: 0 }, { u: 0 },
    ]),
    inputs: [image, weight],
    outputs: [out],
    workgroups: [ceilDiv(D, BN), ceilDiv(M, BM), 1],
    label: 'patchEmbed',
  });
  return out;
}
