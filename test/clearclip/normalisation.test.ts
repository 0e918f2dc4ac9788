import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseOpenClipConfig } from '@clearclip/vit';
import { CLIP_MEAN_255, CLIP_STD_255, segmentationNormalisation } from 'clearclip';
import { requireShared } from '../helpers/fixtures.js';

const TINY = { model_cfg: { embed_dim: 8, vision_cfg: { width: 64, head_width: 16, layers: 1, patch_size: 16 }, text_cfg: { width: 32, heads: 2, layers: 1 } } };

t.test("a config without preprocess_cfg gets OpenAI's mean/std: exactly upstream's constants", async (t) => {
  const n = segmentationNormalisation(parseOpenClipConfig(TINY));
  t.same(n.mean, CLIP_MEAN_255);
  t.same(n.std, CLIP_STD_255);
});

t.test("a model's own preprocess_cfg is used", async (t) => {
  const n = segmentationNormalisation(parseOpenClipConfig({ ...TINY, preprocess_cfg: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.25, 0.125] } }));
  t.same(n.mean, [127.5, 127.5, 127.5]);
  t.same(n.std, [127.5, 63.75, 31.875]);
});

t.test("the fixture's config gives the data_preprocessor upstream normalised with", async (t) => {
  const dir = requireShared(t, 'fixtures/clip-tiny-b16');
  if (!dir) return;
  const cfg = parseOpenClipConfig(readFileSync(path.join(dir, 'open_clip_config.json'), 'utf8'));
  const settings = JSON.parse(readFileSync(path.join(dir, 'settings.json'), 'utf8'));
  const n = segmentationNormalisation(cfg);
  t.same(n.mean, settings.segmentation.data_preprocessor.mean);
  t.same(n.std, settings.segmentation.data_preprocessor.std);
});
