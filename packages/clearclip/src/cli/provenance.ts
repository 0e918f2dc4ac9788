import path from 'node:path';
import { sha256File } from '@clearclip/weights-tools';
import { VERSION } from '../version.js';
import { weightsFile } from '../weights-folder.js';

/** What produced a segmentation, written into the per-image JSON so a result can be traced and reproduced. */
export interface Provenance {
  library: { name: string; version: string };
  model: {
    /** OpenCLIP model name and pretrained tag when the weights came from the hub; null when --weights was given. */
    name: string | null;
    pretrained: string | null;
    /** The checkpoint --weights named (the one inside, for a folder) and its SHA-256, or null. */
    weightsArg: string | null;
    weightsArgSha256: string | null;
    /** The runtime weights file actually loaded, and its SHA-256. */
    weightsFile: string;
    weightsSha256: string;
    dtype: string;
  };
  /** Every inference setting, after defaults. */
  inference: Record<string, unknown>;
  adapter: string;
}

const shaCache = new Map<string, Promise<string>>();

export async function provenance(o: {
  model: string | undefined;
  pretrained: string | undefined;
  weightsArg: string | undefined;
  weightsFile: string;
  dtype: string;
  inference: Record<string, unknown>;
  adapter: string;
}): Promise<Provenance> {
  // Hashed once per run, not once per image.
  const hash = (f: string) => {
    let h = shaCache.get(path.resolve(f));
    if (!h) shaCache.set(path.resolve(f), (h = sha256File(f)));
    return h;
  };
  const fromHub = !o.weightsArg;
  const given = o.weightsArg ? weightsFile(o.weightsArg) : null;
  return {
    library: { name: 'clearclip', version: VERSION },
    model: {
      name: fromHub ? o.model ?? 'ViT-B-16' : o.model ?? null,
      pretrained: fromHub ? o.pretrained ?? 'openai' : null,
      weightsArg: given ? path.resolve(given) : null,
      weightsArgSha256: given ? await hash(given) : null,
      weightsFile: path.resolve(o.weightsFile),
      weightsSha256: await hash(o.weightsFile),
      dtype: o.dtype,
    },
    inference: o.inference,
    adapter: o.adapter,
  };
}
