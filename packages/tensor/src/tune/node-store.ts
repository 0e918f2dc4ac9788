/**
 * The Node tuning store: $CLEARCLIP_CACHE/tune/<adapter>.json (default ~/.cache/clearclip/tune). node:* modules
 * are imported when used, not at the top, so that importing the tensor package stays browser-safe.
 */
import type { TuneFile, TuneStore } from './store.js';

function defaultDir(): string {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const base = env.CLEARCLIP_CACHE ?? `${env.HOME ?? env.USERPROFILE ?? '.'}/.cache/clearclip`;
  return `${base}/tune`;
}

/** dir: the folder holding the per-adapter files (default $CLEARCLIP_CACHE/tune). */
export function nodeTuneStore(dir: string = defaultDir()): TuneStore {
  const file = (adapter: string) => `${dir}/${adapter}.json`;
  return {
    where: file,
    async load(adapter) {
      const fs = await import('node:fs/promises');
      let text: string;
      try {
        text = await fs.readFile(file(adapter), 'utf8');
      } catch {
        return null;
      }
      try {
        const f = JSON.parse(text) as TuneFile;
        return f && f.version === 1 && typeof f.entries === 'object' ? f : null;
      } catch {
        return null; // a torn or hand-edited file: tune again rather than fail the model
      }
    },
    async save(adapter, f) {
      const fs = await import('node:fs/promises');
      await fs.mkdir(dir, { recursive: true });
      // Write then rename, so a concurrent reader never sees half a file.
      const tmp = `${file(adapter)}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
      await fs.writeFile(tmp, JSON.stringify(f, null, 2) + '\n');
      await fs.rename(tmp, file(adapter));
    },
  };
}
