import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import type { FloatDType } from '@clearclip/tensor';
import { CLIP } from '@clearclip/vit';
import { convertCheckpoint } from '@clearclip/weights-tools';
import { testDevice } from '../../helpers/device.js';
import { requireShared } from '../../helpers/fixtures.js';

/**
 * The clip-tiny-b16 fixture model, converted with weights-tools into a temporary folder (removed at teardown) and
 * loaded as a user would. null (a reported skip, or a failure in CI) when the shared fixture is missing.
 */
export async function loadFixtureClip(t: Test, dtype: FloatDType = 'f32'): Promise<CLIP | null> {
  const dir = requireShared(t, 'fixtures', 'clip-tiny-b16');
  if (!dir) return null;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'clearclip-fixture-'));
  t.teardown(() => rm(tmp, { recursive: true, force: true }));
  const runtime = path.join(tmp, `model-${dtype}.safetensors`);
  await convertCheckpoint({ input: path.join(dir, 'open_clip_model.safetensors'), output: runtime, dtype, config: path.join(dir, 'open_clip_config.json') });
  const clip = await CLIP.load(await testDevice(), runtime);
  t.teardown(() => clip.dispose());
  return clip;
}
