import type { FloatDType, GpuDevice } from '@clearclip/tensor';
import type { LoadedWeights } from './weights-core.js';

/**
 * What the file-path conveniences (`CLIP.load(device, path)`, `ClipTokenizer.fromBpeGz(path)`) need from the
 * environment. The Node entry installs it (node-platform.ts); the browser entry (`@clearclip/vit/core`) has none,
 * so those calls say where to look instead of pulling node:fs into a page bundle.
 */
export interface FilePlatform {
  readFile(path: string): Promise<Uint8Array>;
  gunzip(bytes: Uint8Array): Uint8Array;
  loadClipWeights(dev: GpuDevice, path: string, opts: { dtype?: FloatDType }): Promise<LoadedWeights>;
}

let installed: FilePlatform | null = null;

export function setFilePlatform(p: FilePlatform): void {
  installed = p;
}

export function filePlatform(what: string): FilePlatform {
  if (!installed) {
    throw new Error(`${what} reads files, which only the Node entry of @clearclip/vit can do; in a browser build from bytes or text (uploadClipWeights, ClipTokenizer.fromHubText)`);
  }
  return installed;
}
