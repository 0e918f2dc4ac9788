/**
 * Files from the Hugging Face hub (or a stand-in: the endpoint is configurable, like HF_ENDPOINT), kept in the
 * browser's Cache Storage so that a second visit reads them without the network. Streams with progress.
 */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';
/** Cache Storage bucket; bump the suffix when what is stored changes meaning. */
export const HUB_CACHE = 'clearclip-hub-v1';

export interface HubFile {
  endpoint?: string;
  repo: string;
  revision?: string;
  file: string;
}

export interface HubProgress {
  repo: string;
  file: string;
  downloaded: number;
  total: number | null;
  done: boolean;
  /** Read from Cache Storage, not the network. */
  cached: boolean;
}

export function hubUrl(f: HubFile): string {
  const endpoint = (f.endpoint ?? DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '');
  return `${endpoint}/${f.repo}/resolve/${encodeURIComponent(f.revision ?? 'main')}/${f.file}`;
}

async function openCache(): Promise<Cache | null> {
  // Cache Storage exists in secure contexts (https, localhost, 127.0.0.1) only; elsewhere every visit downloads.
  try {
    return typeof caches === 'undefined' ? null : await caches.open(HUB_CACHE);
  } catch {
    return null;
  }
}

async function readAll(res: Response, report: (n: number, total: number | null) => void): Promise<Uint8Array> {
  const len = res.headers.get('content-length');
  const total = len ? Number(len) : null;
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  // One buffer of the announced size when known: no second copy of a 600 MB file.
  let buf = new Uint8Array(total ?? 1 << 20);
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (n + value.length > buf.length) {
      const bigger = new Uint8Array(Math.max(buf.length * 2, n + value.length));
      bigger.set(buf.subarray(0, n));
      buf = bigger;
    }
    buf.set(value, n);
    n += value.length;
    report(n, total);
  }
  return n === buf.length ? buf : buf.slice(0, n);
}

/** The file's bytes: from Cache Storage when there, else downloaded (with progress) and stored. */
export async function fetchHubFile(f: HubFile, onProgress?: (p: HubProgress) => void): Promise<Uint8Array> {
  const url = hubUrl(f);
  const cache = await openCache();
  const hit = await cache?.match(url);
  const tell = (downloaded: number, total: number | null, done: boolean, cached: boolean) =>
    onProgress?.({ repo: f.repo, file: f.file, downloaded, total, done, cached });
  if (hit) {
    const bytes = await readAll(hit, (n, t) => tell(n, t, false, true));
    tell(bytes.length, bytes.length, true, true);
    return bytes;
  }
  const res = await fetch(url, { redirect: 'follow' });
  if (!res.ok) throw new Error(`${f.repo}/${f.file}: the hub answered ${res.status} ${res.statusText} (${url})`);
  const bytes = await readAll(res, (n, t) => tell(n, t, false, false));
  tell(bytes.length, bytes.length, true, false);
  try {
    await cache?.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) } }));
  } catch (e) {
    // Over quota or private mode: the model still runs, the next visit downloads again.
    console.warn(`clearclip: could not keep ${f.file} in Cache Storage: ${(e as Error).message}`);
  }
  return bytes;
}

export async function fetchHubText(f: HubFile, onProgress?: (p: HubProgress) => void): Promise<string> {
  return new TextDecoder().decode(await fetchHubFile(f, onProgress));
}
