/** Finding and checking the open_clip_config.json that travels with a checkpoint. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type OpenClipConfigJson, parseConfigText } from './config-text.js';

export const CONFIG_NAME = 'open_clip_config.json';

export interface OpenClipConfig {
  /** The exact text to embed (the file's text unless an override changed it). */
  text: string;
  json: OpenClipConfigJson;
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
  const parsed = parseConfigText(await readFile(file, 'utf8'), file, overrides);
  return { ...parsed, path: file };
}
