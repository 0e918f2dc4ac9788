/**
 * Download OpenCLIP weights + config from the Hugging Face hub into a hub-style cache:
 *   <cache>/models--<org>--<name>/refs/<revision>            (the commit the revision resolved to)
 *   <cache>/models--<org>--<name>/snapshots/<commit>/<file>  (plain files; written atomically)
 * Partial downloads live in `<file>.incomplete` beside the target and are resumed with Range requests.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { findHubModel } from './hub-models.js';
import { CONFIG_NAME } from './config.js';

export const WEIGHT_FILES = ['open_clip_model.safetensors', 'open_clip_pytorch_model.bin'] as const;

export interface DownloadProgress {
  repo: string;
  file: string;
  downloaded: number;
  total: number | null;
  done: boolean;
}

export interface DownloadOptions {
  /** OpenCLIP model name + pretrained tag (looked up in HUB_MODELS), or `repo` directly. */
  model?: string;
  pretrained?: string;
  repo?: string;
  revision?: string;
  cacheDir?: string;
  endpoint?: string;
  token?: string;
  /** Never touch the network (default: $HF_HUB_OFFLINE). */
  offline?: boolean;
  /** Ask the hub even when the cache already has the files. */
  refresh?: boolean;
  /** Attempts per file when a transfer breaks off (each resumes where the last stopped). */
  attempts?: number;
  onProgress?: (p: DownloadProgress) => void;
}

export interface DownloadResult {
  repo: string;
  revision: string;
  commit: string;
  weights: string;
  config: string;
  /** From the model table, when the model was named that way. */
  quickGelu?: boolean;
  fromCache: boolean;
}

export class HubError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'HubError';
  }
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return path.join(env.HF_HOME, 'hub');
  return path.join(homedir(), '.cache', 'huggingface', 'hub');
}

function envFlag(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.toLowerCase());
}

export function repoCacheDir(cacheDir: string, repo: string): string {
  return path.join(cacheDir, `models--${repo.split('/').join('--')}`);
}

/** The cached snapshot for `repo@revision`, if config and one weight file are there. */
async function fromCache(cacheDir: string, repo: string, revision: string): Promise<{ commit: string; weights: string; config: string } | null> {
  const dir = repoCacheDir(cacheDir, repo);
  const refFile = path.join(dir, 'refs', revision);
  const commit = existsSync(refFile) ? (await readFile(refFile, 'utf8')).trim() : revision;
  const snap = path.join(dir, 'snapshots', commit);
  const config = path.join(snap, CONFIG_NAME);
  const weights = WEIGHT_FILES.map((f) => path.join(snap, f)).find((p) => existsSync(p));
  return weights && existsSync(config) ? { commit, weights, config } : null;
}

interface FileMeta {
  url: string;
  commit: string | null;
  size: number | null;
  sha256: string | null;
}

function headers(token: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  // identity: sizes and hashes refer to the stored bytes, never a compressed transfer.
  const h: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'clearclip-weights-tools', ...extra };
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

function statusError(status: number, repo: string, file: string, revision: string, url: string): HubError {
  const what = `${repo}/${file} (revision ${revision})`;
  if (status === 404) return new HubError(`not found on the hub: ${what} [${url}]`, status);
  if (status === 401 || status === 403) return new HubError(`access denied (HTTP ${status}) to ${what}: the repo may be gated or private; set HF_TOKEN [${url}]`, status);
  return new HubError(`HTTP ${status} for ${what} [${url}]`, status);
}

/**
 * HEAD without following cross-origin redirects: the hub answers an LFS file with a redirect to its CDN, and
 * the redirect itself carries X-Linked-Size / X-Linked-Etag (the sha256) / X-Repo-Commit.
 */
async function headFile(endpoint: string, repo: string, revision: string, file: string, token?: string): Promise<FileMeta> {
  try {
    return await headFileOnce(endpoint, repo, revision, file, token);
  } catch (e) {
    if (e instanceof HubError) throw e;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new HubError(`cannot reach ${endpoint} for ${repo}/${file}: ${cause?.code ?? cause?.message ?? (e as Error).message} (set HF_HUB_OFFLINE=1 to use the cache only)`);
  }
}

async function headFileOnce(endpoint: string, repo: string, revision: string, file: string, token?: string): Promise<FileMeta> {
  let url = `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
  const origin = new URL(url).origin;
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, { method: 'HEAD', redirect: 'manual', headers: headers(token) });
    const h = res.headers;
    const location = h.get('location');
    const linkedEtag = h.get('x-linked-etag');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, url);
      // Same-origin redirects (renamed repos) are followed; a CDN redirect is where the file lives.
      if (next.origin === origin && !linkedEtag) {
        url = next.href;
        continue;
      }
      url = next.href;
    } else if (!res.ok) {
      throw statusError(res.status, repo, file, revision, url);
    }
    const sizeText = h.get('x-linked-size') ?? (res.ok ? h.get('content-length') : null);
    const etag = (linkedEtag ?? '').replace(/^W\//, '').replace(/"/g, '');
    return {
      url,
      commit: h.get('x-repo-commit'),
      size: sizeText !== null && /^\d+$/.test(sizeText) ? Number(sizeText) : null,
      sha256: /^[0-9a-f]{64}$/.test(etag) ? etag : null,
    };
  }
  throw new HubError(`too many redirects for ${repo}/${file}`);
}

async function fileSize(p: string): Promise<number> {
  try {
    return (await stat(p)).size;
  } catch {
    return -1;
  }
}

async function sha256Of(p: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(p, { highWaterMark: 1 << 22 })) h.update(c as Buffer);
  return h.digest('hex');
}

/** GET `meta.url` into `dest` via `dest.incomplete`, resuming a previous partial transfer. */
async function downloadFile(
  meta: FileMeta,
  dest: string,
  ctx: { repo: string; file: string; revision: string; token?: string; attempts: number; onProgress?: (p: DownloadProgress) => void },
): Promise<void> {
  const part = `${dest}.incomplete`;
  await mkdir(path.dirname(dest), { recursive: true });
  let lastError: unknown = null;
  for (let attempt = 0; attempt < ctx.attempts; attempt++) {
    let have = Math.max(0, await fileSize(part));
    if (meta.size !== null && have > meta.size) {
      await rm(part, { force: true });
      have = 0;
    }
    try {
      if (meta.size === null || have < meta.size) {
        const res = await fetch(meta.url, { redirect: 'follow', headers: headers(ctx.token, have > 0 ? { range: `bytes=${have}-` } : {}) });
        if (res.status === 416) {
          await rm(part, { force: true });
          throw new HubError(`range request rejected for ${ctx.repo}/${ctx.file}; restarting`);
        }
        if (!res.ok) throw statusError(res.status, ctx.repo, ctx.file, ctx.revision, meta.url);
        const resumed = res.status === 206;
        if (resumed) {
          const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
          if (!m || Number(m[1]) !== have) {
            await res.body?.cancel();
            await rm(part, { force: true });
            throw new HubError(`server resumed ${ctx.repo}/${ctx.file} at the wrong offset (${res.headers.get('content-range')}, wanted ${have})`);
          }
        } else {
          have = 0;
        }
        if (!res.body) throw new HubError(`empty response body for ${ctx.repo}/${ctx.file}`);
        const total = meta.size ?? (res.headers.get('content-length') ? have + Number(res.headers.get('content-length')) : null);
        let downloaded = have;
        // Awaited writes: when the transfer breaks, everything received is on disk and nothing is still
        // pending, so the next attempt's Range offset is exactly the file size.
        const fh = await open(part, resumed ? 'a' : 'w');
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            await fh.write(chunk);
            downloaded += chunk.length;
            ctx.onProgress?.({ repo: ctx.repo, file: ctx.file, downloaded, total, done: false });
          }
        } finally {
          await fh.close();
        }
      }
      const got = await fileSize(part);
      if (meta.size !== null && got !== meta.size) {
        throw new HubError(`${ctx.repo}/${ctx.file}: transfer ended at ${got} of ${meta.size} bytes`);
      }
      if (meta.sha256) {
        const actual = await sha256Of(part);
        if (actual !== meta.sha256) {
          // A corrupt partial must not be resumed next time.
          await rm(part, { force: true });
          throw new HubError(`sha256 mismatch for ${ctx.repo}/${ctx.file}: hub says ${meta.sha256}, downloaded file has ${actual} (deleted; run again)`);
        }
      }
      await rename(part, dest);
      ctx.onProgress?.({ repo: ctx.repo, file: ctx.file, downloaded: got, total: got, done: true });
      return;
    } catch (e) {
      lastError = e;
      // HTTP errors and hash mismatches are final; broken transfers are retried from where they stopped.
      if (e instanceof HubError && (e.status !== undefined || e.message.startsWith('sha256 mismatch'))) throw e;
    }
  }
  throw new HubError(`download of ${ctx.repo}/${ctx.file} failed after ${ctx.attempts} attempt(s): ${(lastError as Error)?.message ?? lastError}`);
}

export async function downloadModel(opts: DownloadOptions): Promise<DownloadResult> {
  let repo = opts.repo;
  let quickGelu: boolean | undefined;
  if (!repo) {
    if (!opts.model || !opts.pretrained) throw new Error('downloadModel: give model and pretrained, or repo');
    const m = findHubModel(opts.model, opts.pretrained);
    repo = m.repo;
    quickGelu = m.quickGelu;
  }
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new Error(`--repo ${repo}: expected <org>/<name>`);
  const revision = opts.revision ?? 'main';
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const endpoint = (opts.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  const token = opts.token ?? process.env.HF_TOKEN;
  const offline = opts.offline ?? envFlag(process.env.HF_HUB_OFFLINE);

  const cached = opts.refresh && !offline ? null : await fromCache(cacheDir, repo, revision);
  if (cached) return { repo, revision, ...cached, quickGelu, fromCache: true };
  if (offline) {
    throw new HubError(`offline (HF_HUB_OFFLINE) and ${repo}@${revision} is not in the cache ${repoCacheDir(cacheDir, repo)}`);
  }

  const attempts = opts.attempts ?? 5;
  const configMeta = await headFile(endpoint, repo, revision, CONFIG_NAME, token);
  let weightMeta: FileMeta | null = null;
  let weightFile = '';
  for (const f of WEIGHT_FILES) {
    try {
      weightMeta = await headFile(endpoint, repo, revision, f, token);
      weightFile = f;
      break;
    } catch (e) {
      if (!(e instanceof HubError && e.status === 404)) throw e;
    }
  }
  if (!weightMeta) throw new HubError(`not found on the hub: ${repo} (revision ${revision}) has neither ${WEIGHT_FILES.join(' nor ')}`, 404);

  const commit = weightMeta.commit ?? configMeta.commit ?? revision;
  const snap = path.join(repoCacheDir(cacheDir, repo), 'snapshots', commit);
  const ctx = { repo, revision, token, attempts, onProgress: opts.onProgress };
  const config = path.join(snap, CONFIG_NAME);
  const weights = path.join(snap, weightFile);
  if (!existsSync(config)) await downloadFile(configMeta, config, { ...ctx, file: CONFIG_NAME });
  if (!existsSync(weights)) await downloadFile(weightMeta, weights, { ...ctx, file: weightFile });
  if (commit !== revision) {
    await mkdir(path.join(repoCacheDir(cacheDir, repo), 'refs'), { recursive: true });
    await writeFile(path.join(repoCacheDir(cacheDir, repo), 'refs', revision), commit);
  }
  return { repo, revision, commit, weights, config, quickGelu, fromCache: false };
}

export interface HubFileOptions {
  repo: string;
  files: string[];
  revision?: string;
  cacheDir?: string;
  endpoint?: string;
  token?: string;
  offline?: boolean;
  attempts?: number;
  onProgress?: (p: DownloadProgress) => void;
}

/**
 * Any files of a hub repo (e.g. a tokenizer's vocab.json and merges.txt) into the same cache as the models,
 * with the same resume, size and sha256 checks; the cache is used without the network when it has them all.
 */
export async function downloadHubFiles(opts: HubFileOptions): Promise<string[]> {
  const { repo, files } = opts;
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new Error(`repo ${repo}: expected <org>/<name>`);
  const revision = opts.revision ?? 'main';
  const dir = repoCacheDir(opts.cacheDir ?? defaultCacheDir(), repo);
  const refFile = path.join(dir, 'refs', revision);
  const known = existsSync(refFile) ? (await readFile(refFile, 'utf8')).trim() : revision;
  const cachedPaths = files.map((f) => path.join(dir, 'snapshots', known, f));
  if (cachedPaths.every((p) => existsSync(p))) return cachedPaths;
  if (opts.offline ?? envFlag(process.env.HF_HUB_OFFLINE)) {
    throw new HubError(`offline (HF_HUB_OFFLINE) and ${files.join(', ')} of ${repo}@${revision} are not in the cache ${dir}`);
  }
  const endpoint = (opts.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  const token = opts.token ?? process.env.HF_TOKEN;
  const metas = [];
  for (const f of files) metas.push(await headFile(endpoint, repo, revision, f, token));
  const commit = metas.find((m) => m.commit)?.commit ?? revision;
  const ctx = { repo, revision, token, attempts: opts.attempts ?? 5, onProgress: opts.onProgress };
  const out: string[] = [];
  for (const [i, f] of files.entries()) {
    const dest = path.join(dir, 'snapshots', commit, f);
    if (!existsSync(dest)) await downloadFile(metas[i], dest, { ...ctx, file: f });
    out.push(dest);
  }
  if (commit !== revision) {
    await mkdir(path.join(dir, 'refs'), { recursive: true });
    await writeFile(refFile, commit);
  }
  return out;
}
