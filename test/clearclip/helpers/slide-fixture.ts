import path from 'node:path';
import type { Test } from 'tap';
import { DecomposedBlock, PRESETS } from 'clearclip';
import type { CLIP } from '@clearclip/vit';
import { readF32, requireShared } from '../../helpers/fixtures.js';
import { uniform } from '../../helpers/random.js';
import { loadFixtureClip } from './fixture-model.js';

/** 7 queries, synonyms on classes 1 and 3. */
export const QUERY_CLASS = [0, 1, 1, 2, 3, 3, 4];

export interface SlideFixture {
  clip: CLIP;
  block: DecomposedBlock;
  /** The fixture's normalised seg.input [1, 3, H, W]. */
  input: Float32Array;
  H: number;
  W: number;
  /** Unit-length random queries [QUERY_CLASS.length, E]: cosine logits of the size real ones have. */
  queries: Float32Array;
}

/**
 * What slideInference needs to run on the clip-tiny-b16 fixture with ClearCLIP's last block (disposed at teardown);
 * null (a reported skip, or a failure in CI) when the shared fixture is missing.
 */
export async function slideFixture(t: Test): Promise<SlideFixture | null> {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  const clip = await loadFixtureClip(t);
  if (!clip || !dir) return null;
  const input = await readF32(path.join(dir, 'reference.safetensors'), 'seg.input');
  const [, , H, W] = input.shape;
  const E = clip.config.embedDim;
  const queries = uniform(QUERY_CLASS.length * E, 9);
  for (let k = 0; k < QUERY_CLASS.length; k++) {
    const row = queries.subarray(k * E, (k + 1) * E);
    const n = Math.hypot(...row);
    row.forEach((v, i) => (row[i] = v / n));
  }
  const block = new DecomposedBlock(clip.visual.blocks.at(-1)!, PRESETS.clearclip);
  t.teardown(() => block.dispose());
  return { clip, block, input: input.data, H, W, queries };
}
