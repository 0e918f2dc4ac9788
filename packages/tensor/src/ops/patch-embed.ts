import type { Tensor } from '../tensor.js';
import { isFloat } from '../dtype.js';
import { shapeStr } from '../shape.js';
import { cast } from './cast.js';
import { matmul } from './matmul.js';
import { permute } from './permute.js';

/**
 * Patch embedding: Conv2d(C -> D, kernel = stride = patch, no bias).
 * image [B, C, H, W] (H, W multiples of patch), weight [D, C, patch, patch] (PyTorch layout), f32 or f16 each.
 * Returns [B, gh*gw, D] in the image's dtype, tokens row-major over gh = H/patch rows of gw = W/patch.
 *
 * A stride-equals-kernel convolution is a matmul over unfolded patches: one permute gathers each patch's
 * C x patch x patch pixels into a row (k = (c*patch + ky)*patch + kx, the weight's own order), then the matmul op
 * multiplies by the weight read as [D, K] transposed, so the convolution runs on whichever matmul kernel the adapter
 * picks (a dedicated 64 x 64 workgroup-tiled kernel ran 4x slower than the lane matmul on lavapipe: 274 ms at 448).
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
  const K = C * patch * patch;
  // [B, C, gh, P, gw, P] -> [B, gh, gw, C, P, P]: row t of item b holds patch t's pixels in the weight's k order.
  const split = image.reshape([B, C, gh, patch, gw, patch]);
  const unfolded = permute(split, [0, 2, 4, 1, 3, 5]);
  split.dispose();
  // Mixed dtypes (an f16 image with an f32 weight) multiply in f32, as a kernel accumulating in f32 would.
  const dt = image.dtype === 'f32' || weight.dtype === 'f32' ? 'f32' : 'f16';
  const wide = unfolded.dtype === dt ? unfolded : cast(unfolded, dt);
  const rows = wide.reshape([B, gh * gw, K]);
  const castW = weight.dtype === dt ? weight : cast(weight, dt);
  const w = castW.reshape([D, K]);
  for (const t of new Set([unfolded, wide])) t.dispose();
  if (castW !== weight) castW.dispose();
  const out = matmul(rows, w, { transposeB: true });
  rows.dispose();
  w.dispose();
  if (out.dtype === image.dtype) return out;
  const narrowed = cast(out, image.dtype);
  out.dispose();
  return narrowed;
}
