import t from 'tap';
import { parseOpenClipConfig, expectedTensors } from '@clearclip/vit';

// OpenCLIP's model_configs for the backbones ClearCLIP is run with (facts from open_clip/model_configs/*.json).
const text = (width: number, heads: number, layers: number) => ({ context_length: 77, vocab_size: 49408, width, heads, layers });
const CONFIGS = {
  'ViT-B-32': { embed_dim: 512, vision_cfg: { image_size: 224, layers: 12, width: 768, patch_size: 32 }, text_cfg: text(512, 8, 12) },
  'ViT-B-16': { embed_dim: 512, vision_cfg: { image_size: 224, layers: 12, width: 768, patch_size: 16 }, text_cfg: text(512, 8, 12) },
  'ViT-L-14': { embed_dim: 768, vision_cfg: { image_size: 224, layers: 24, width: 1024, patch_size: 14 }, text_cfg: text(768, 12, 12) },
  'ViT-L-14-336': { embed_dim: 768, vision_cfg: { image_size: 336, layers: 24, width: 1024, patch_size: 14 }, text_cfg: text(768, 12, 12) },
  'ViT-H-14': { embed_dim: 1024, vision_cfg: { image_size: 224, layers: 32, width: 1280, head_width: 80, patch_size: 14 }, text_cfg: text(1024, 16, 24) },
};
// Parameter counts OpenCLIP reports for these models (vision + text + logit_scale), the independent check on the
// expected tensor list: ViT-B/32 151.28M, ViT-B/16 149.62M, ViT-L/14 427.62M, ViT-L/14-336 427.94M, ViT-H/14 986.11M.
const PARAMS: Record<keyof typeof CONFIGS, number> = { 'ViT-B-32': 151.28e6, 'ViT-B-16': 149.62e6, 'ViT-L-14': 427.62e6, 'ViT-L-14-336': 427.94e6, 'ViT-H-14': 986.11e6 };

for (const [name, cfg] of Object.entries(CONFIGS) as [keyof typeof CONFIGS, (typeof CONFIGS)[keyof typeof CONFIGS]][]) {
  t.test(`${name}: parsed from the hub layout and the bare model_cfg alike; tensor list has OpenCLIP's parameter count`, async (t) => {
    const hub = parseOpenClipConfig(JSON.stringify({ model_cfg: { ...cfg, quick_gelu: true }, preprocess_cfg: {} }), `${name}.json`);
    const bare = parseOpenClipConfig({ ...cfg }, name);
    t.same({ ...hub, quickGelu: false }, bare, 'same config either way (quick_gelu aside)');
    t.equal(hub.quickGelu, true);
    t.equal(bare.quickGelu, false, 'QuickGELU only when the config says so');
    t.equal(hub.vision.heads, cfg.vision_cfg.width / ((cfg.vision_cfg as { head_width?: number }).head_width ?? 64));
    t.same(hub.vision.imageSize, [cfg.vision_cfg.image_size, cfg.vision_cfg.image_size]);
    let n = 0;
    for (const shape of expectedTensors(hub).values()) n += shape.reduce((a, b) => a * b, 1);
    t.ok(Math.abs(n - PARAMS[name]) < 0.006e6, `${(n / 1e6).toFixed(2)}M parameters, OpenCLIP reports ${(PARAMS[name] / 1e6).toFixed(2)}M`);
  });
}

t.test('bad configs are errors naming the file and the field', async (t) => {
  t.throws(() => parseOpenClipConfig('{not json', 'x.json'), /x\.json: not valid JSON/);
  t.throws(() => parseOpenClipConfig({ model_cfg: { embed_dim: 8, text_cfg: {} } }, 'x.json'), /x\.json: model_cfg\.vision_cfg is missing/);
  t.throws(() => parseOpenClipConfig({ embed_dim: 8, vision_cfg: { width: 100, head_width: 64 }, text_cfg: {} }, 'y.json'), /y\.json: model_cfg\.vision_cfg: width 100 is not a multiple of head_width 64/);
  t.throws(() => parseOpenClipConfig({ embed_dim: 8, vision_cfg: { image_size: 230, patch_size: 16 }, text_cfg: {} }, 'z.json'), /image_size 230 must be positive multiples of patch_size 16/);
  t.throws(() => parseOpenClipConfig({ embed_dim: 8, vision_cfg: { timm_model_name: 'vit' }, text_cfg: {} }, 'w.json'), /timm_model_name = "vit" is not supported/);
  t.throws(() => parseOpenClipConfig({ embed_dim: 8, vision_cfg: {}, text_cfg: { hf_model_name: 'bert' } }, 'v.json'), /hf_model_name = "bert" is not supported/);
  t.throws(() => parseOpenClipConfig({ embed_dim: -1, vision_cfg: {}, text_cfg: {} }, 'u.json'), /u\.json: model_cfg\.embed_dim: expected a positive integer, got -1/);
});
