/**
 * `--weights` may name a folder (a downloaded hub snapshot, say) as well as a file: the checkpoint inside is used,
 * and its open_clip_config.json is then found beside it, in that folder rather than the folder's parent.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { WEIGHT_FILES } from '@clearclip/weights-tools';

export function weightsFile(weights: string): string {
  if (!existsSync(weights)) throw new Error(`--weights ${weights}: file not found`);
  if (!statSync(weights).isDirectory()) return weights;
  for (const f of WEIGHT_FILES) {
    const p = path.join(weights, f);
    if (existsSync(p)) return p;
  }
  throw new Error(`--weights ${weights}: the folder holds neither ${WEIGHT_FILES.join(' nor ')}`);
}
