/** open_clip_config.json as text -> checked JSON, with the quick_gelu override; no file access (browser-safe). */
export interface OpenClipConfigJson {
  model_cfg: Record<string, unknown>;
  preprocess_cfg?: Record<string, unknown>;
  [k: string]: unknown;
}

/** The text to embed (unchanged unless the override changed it) and its JSON; `label` names the source in errors. */
export function parseConfigText(text: string, label: string, overrides: { quickGelu?: boolean } = {}): { text: string; json: OpenClipConfigJson } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${label}: not valid JSON (${(e as Error).message})`);
  }
  const cfg = json as OpenClipConfigJson;
  if (typeof cfg !== 'object' || cfg === null || typeof cfg.model_cfg !== 'object' || cfg.model_cfg === null) {
    throw new Error(`${label}: not an OpenCLIP hub config (no "model_cfg" object)`);
  }
  for (const k of ['vision_cfg', 'text_cfg', 'embed_dim']) {
    if (!(k in cfg.model_cfg)) throw new Error(`${label}: model_cfg has no "${k}"`);
  }
  if (overrides.quickGelu !== undefined && cfg.model_cfg.quick_gelu !== overrides.quickGelu) {
    cfg.model_cfg.quick_gelu = overrides.quickGelu;
    return { text: JSON.stringify(cfg, null, 2), json: cfg };
  }
  return { text, json: cfg };
}
