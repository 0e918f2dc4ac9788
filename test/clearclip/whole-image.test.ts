import t from 'tap';
import path from 'node:path';
import { DecomposedBlock, PRESETS, slideInference, cropTopLeft } from 'clearclip';
import { l2Normalize, matmul } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { readF32, requireShared } from '../helpers/fixtures.js';
import { assertClose } from '../helpers/assert.js';
import { uniform } from '../helpers/random.js';
import { loadFixtureClip } from './helpers/fixture-model.js';

// Upstream's whole-image mode (slide_crop = 0): forward_feature(img, ori_shape) runs the unpadded image (the patch
// convolution drops 200 % 16 = 8 rows and 300 % 16 = 12 columns) and resizes the [gh, gw] logits bilinearly in one
// step to ori_shape. Checked against the same steps done by hand: dense features of the cropped image, cosine with
// the queries, then the float64 bilinear reference straight to the output size.
t.test('crop 0 runs the unpadded image and resizes its logits straight to the output size', async (t) => {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  const clip = await loadFixtureClip(t);
  if (!clip || !dir) return;
  const dev = clip.device;
  const input = await readF32(path.join(dir, 'reference.safetensors'), 'seg.input');
  const [, , H, W] = input.shape;
  const E = clip.config.embedDim;
  const Q = 4;
  const q = uniform(Q * E, 5);
  const block = new DecomposedBlock(clip.visual.blocks.at(-1)!, PRESETS.clearclip);
  t.teardown(() => block.dispose());
  const out: [number, number] = [413, 620];
  const r = await slideInference(clip, block, input.data, [H, W], q, [0, 1, 2, 3], { crop: 0, stride: 0, logitScale: 50, probThd: 0, outputSize: out, logits: true });
  t.same([r.height, r.width], out);

  const [gh, gw] = [Math.floor(H / 16), Math.floor(W / 16)];
  const img = dev.tensor(cropTopLeft(input.data, H, W, gh * 16, gw * 16), [1, 3, gh * 16, gw * 16]);
  const cos = await matmul(l2Normalize(clip.visual.encodeDense(img, { lastBlock: block })), dev.tensor(q, [Q, E]), { transposeB: true }).read(); // [g, Q]
  const grid = new Float64Array(Q * gh * gw).map((_, i) => cos[(i % (gh * gw)) * Q + Math.floor(i / (gh * gw))]);
  const want = reference.resizeBilinearRef(grid, [Q, gh, gw], out[0], out[1]);
  // Same dense features on both sides; the kernel forms source coordinates (dst + 0.5) * in/out in f32 as PyTorch
  // does for float tensors: up to ~7e-7 error in the weights at 400+ output pixels, times neighbour differences <= ~2.
  assertClose(t, r.logits!, want, { atol: 2e-6, shape: [Q, ...out] }, 'whole-image logits');
});
