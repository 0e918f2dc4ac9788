/**
 * OpenAI's and MetaCLIP's CLIP weights were trained with QuickGELU (x·σ(1.702x)). OpenCLIP forces it for those
 * pretrained tags whatever the hub config says, and hub configs of such checkpoints often do not record it. A
 * checkpoint given by path has no tag, so the activation comes from its config: when the config is silent and the
 * path names OpenAI or MetaCLIP weights, the result would be silently wrong — say so, and how to choose.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const QUICK_GELU_SOURCES = /openai|metaclip/i;

export async function quickGeluWarning(checkpoint: string, config?: string): Promise<string | null> {
  const cfgPath = config ?? path.join(path.dirname(checkpoint), 'open_clip_config.json');
  if (!existsSync(cfgPath)) return null; // conversion will fail with its own message
  let said: unknown;
  try {
    said = (JSON.parse(await readFile(cfgPath, 'utf8')) as { model_cfg?: { quick_gelu?: unknown } }).model_cfg?.quick_gelu;
  } catch {
    return null;
  }
  if (said !== undefined) return null;
  const where = path.resolve(checkpoint);
  if (!QUICK_GELU_SOURCES.test(where)) return null;
  return (
    `warning: ${checkpoint} looks like OpenAI or MetaCLIP weights (its path says so), which use QuickGELU, but ${cfgPath} ` +
    'does not record quick_gelu, so GELU is used. Pass quickGelu: true (--quick-gelu) for OpenAI/MetaCLIP weights, ' +
    'or quickGelu: false (--no-quick-gelu) to silence this.'
  );
}
