/** Finding and checking the open_clip_config.json that travels with a checkpoint. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const CONFIG_NAME = 'open_clip_config.json';

export interface OpenClipConfig {
  /** The exact text to embed (the file's text unless an override changed it). */
  text: string;
  json: { model_cfg: Record<string, unknown>; preprocess_cfg?: Record<string, unknown>; [k: string]: unknown };
  path: string;
}

/** `explicit`, else open_clip_config.json beside the checkpoint (the hub layout). */
export function locateConfig(checkpoint: string, explicit?: string): string {
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`--config ${explicit}: file not found`);
    return explicit;
  }
  const beside = path.join(path.dirname(checkpoint), CONFIG_NAME);
  if (!existsSync(beside)) {
    throw new Error(`${path.basename(checkpoint)}: no ${CONFIG_NAME} beside it (${beside}); pass --config <path to ${CONFIG_NAME}>`);
  }
  return beside;
}

export async function loadConfig(file: string, overrides: { quickGelu?: boolean } = {}): Promise<OpenClipConfig> {
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const cfg = json as OpenClipConfig['json'];
  if (typeof cfg !== 'object' || cfg === null || typeof cfg.model_cfg !== 'object' || cfg.model_cfg === null) {
    throw new Error(`${file}: not an OpenCLIP hub config (no "model_cfg" object)`);
  }
  for (const k of ['vision_cfg', 'text_cfg', 'embed_dim']) {
    if (!(k in cfg.model_cfg)) throw new Error(`${file}: model_cfg has no "${k}"`);
  }
  if (overrides.quickGelu !== undefined && cfg.model_cfg.quick_gelu !== overrides.quickGelu) {
    cfg.model_cfg.quick_gelu = overrides.quickGelu;
    return { text: JSON.stringify(cfg, null, 2), json: cfg, path: file };
  }
  return { text, json: cfg, path: file };
}
