import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What produced a segmentation, written into the per-image JSON so a result can be traced and reproduced. */
export interface Provenance {
  library: { name: string; version: string };
  model: {
    /** OpenCLIP model name and pretrained tag when the weights came from the hub; null when --weights was given. */
    name: string | null;
    pretrained: string | null;
    /** The file given with --weights and its SHA-256 (an OpenCLIP checkpoint is converted first), or null. */
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

/** packages/clearclip/package.json, from src/cli or dist/cli alike. */
function libraryVersion(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8'));
  return { name: pkg.name, version: pkg.version };
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
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
  return {
    library: libraryVersion(),
    model: {
      name: fromHub ? o.model ?? 'ViT-B-16' : o.model ?? null,
      pretrained: fromHub ? o.pretrained ?? 'openai' : null,
      weightsArg: o.weightsArg ? path.resolve(o.weightsArg) : null,
      weightsArgSha256: o.weightsArg ? await hash(o.weightsArg) : null,
      weightsFile: path.resolve(o.weightsFile),
      weightsSha256: await hash(o.weightsFile),
      dtype: o.dtype,
    },
    inference: o.inference,
    adapter: o.adapter,
  };
}
