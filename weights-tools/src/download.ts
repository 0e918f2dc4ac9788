/**
 * Download OpenCLIP weights + config from the Hugging Face hub into a hub-style cache:
 *   <cache>/models--<org>--<name>/refs/<revision>            (the commit the revision resolved to)
 *   <cache>/models--<org>--<name>/snapshots/<commit>/<file>  (plain files; written atomically)
 * Partial downloads live in `<file>.incomplete` beside the target and are resumed with Range requests.
 */
import { createHash } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { findHubModel } from './hub-models.js';
import { CONFIG_NAME } from './config.js';
import { checkCommit, checkRevision, isCommitHash, pathUnder } from './hub-paths.js';
import { withFileLock } from './file-lock.js';
import { backoffDelay, guardedFetch, sleep, type Backoff, type Timeouts } from './http.js';

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
  /** Response and idle deadlines (defaults 30 s and 60 s). */
  timeouts?: Timeouts;
  /** Delay between attempts: exponential from baseMs with jitter (defaults 1 s, at most 30 s). */
  backoff?: Backoff;
  /** Longest wait for another process downloading the same file (default 30 min). */
  lockTimeoutMs?: number;
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

/** As huggingface_hub: $HF_HUB_CACHE, else $HF_HOME/hub, where HF_HOME defaults to $XDG_CACHE_HOME/huggingface. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return path.join(env.HF_HOME, 'hub');
  return path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'huggingface', 'hub');
}

function envFlag(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.toLowerCase());
}

/** Where the hub is and how to reach it. */
export interface HubSettings {
  cacheDir: string;
  endpoint: string;
  token: string | undefined;
  offline: boolean;
}

/**
 * The hub settings huggingface_hub reads from its environment (HF_HUB_CACHE / HF_HOME, HF_ENDPOINT, HF_TOKEN,
 * HF_HUB_OFFLINE): the one place they are read. Entries (clearclip's settings, this package's CLI) call it and pass
 * the result down; downloadModel and downloadHubFiles fall back to it only for options a direct caller leaves out.
 */
export function hubSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): HubSettings {
  return {
    cacheDir: defaultCacheDir(env),
    endpoint: (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, ''),
    token: env.HF_TOKEN || undefined,
    offline: envFlag(env.HF_HUB_OFFLINE),
  };
}

export function repoCacheDir(cacheDir: string, repo: string): string {
  return pathUnder(cacheDir, `models--${repo.split('/').join('--')}`);
}

/** Write `text` to `file` through a temporary name no other process uses. */
async function writeAtomic(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** The commit a refs file records, or the revision itself when there is none (or it is not a commit hash). */
async function resolveRef(dir: string, revision: string): Promise<string> {
  const refFile = pathUnder(dir, 'refs', revision);
  if (!existsSync(refFile)) return revision;
  const c = (await readFile(refFile, 'utf8')).trim();
  return isCommitHash(c) ? c : revision;
}

/** The cached snapshot for `repo@revision`, if config and one weight file are there. */
async function fromCache(cacheDir: string, repo: string, revision: string): Promise<{ commit: string; weights: string; config: string } | null> {
  const dir = repoCacheDir(cacheDir, repo);
  const commit = await resolveRef(dir, revision);
  const snap = pathUnder(dir, 'snapshots', commit);
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

/** The token itself is added by guardedFetch, and only for the endpoint's origin. */
function headers(extra: Record<string, string> = {}): Record<string, string> {
  // identity: sizes and hashes refer to the stored bytes, never a compressed transfer.
  return { 'accept-encoding': 'identity', 'user-agent': 'clearclip-weights-tools', ...extra };
}

interface NetOptions {
  token?: string;
  timeouts?: Timeouts;
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
async function headFile(endpoint: string, repo: string, revision: string, file: string, net: NetOptions): Promise<FileMeta> {
  try {
    return await headFileOnce(endpoint, repo, revision, file, net);
  } catch (e) {
    if (e instanceof HubError) throw e;
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new HubError(`cannot reach ${endpoint} for ${repo}/${file}: ${cause?.code ?? cause?.message ?? (e as Error).message} (set HF_HUB_OFFLINE=1 to use the cache only)`);
  }
}

async function headFileOnce(endpoint: string, repo: string, revision: string, file: string, net: NetOptions): Promise<FileMeta> {
  let url = `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
  const origin = new URL(endpoint).origin;
  for (let hop = 0; hop < 10; hop++) {
    const { res } = await guardedFetch(url, { method: 'HEAD', headers: headers(), token: net.token, authOrigin: origin, follow: false }, net.timeouts);
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
  ctx: DownloadCtx,
): Promise<void> {
  // One process at a time per file (the others wait, then find it done); `.incomplete` is then only ever
  // written by the lock holder, so it stays resumable.
  const lock = pathUnder(ctx.cacheDir, '.locks', path.basename(ctx.repoDir), `${ctx.file}.lock`);
  await withFileLock(lock, async () => {
    if (!existsSync(dest)) await downloadFileLocked(meta, dest, ctx);
  }, { timeoutMs: ctx.lockTimeoutMs });
}

interface DownloadCtx extends NetOptions {
  repo: string;
  file: string;
  revision: string;
  cacheDir: string;
  repoDir: string;
  endpointOrigin: string;
  attempts: number;
  backoff?: Backoff;
  lockTimeoutMs?: number;
  onProgress?: (p: DownloadProgress) => void;
}

async function downloadFileLocked(meta: FileMeta, dest: string, ctx: DownloadCtx): Promise<void> {
  const part = `${dest}.incomplete`;
  await mkdir(path.dirname(dest), { recursive: true });
  let lastError: unknown = null;
  for (let attempt = 0; attempt < ctx.attempts; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt - 1, ctx.backoff));
    let have = Math.max(0, await fileSize(part));
    if (meta.size !== null && have > meta.size) {
      await rm(part, { force: true });
      have = 0;
    }
    try {
      if (meta.size === null || have < meta.size) {
        const g = await guardedFetch(meta.url, { headers: headers(have > 0 ? { range: `bytes=${have}-` } : {}), token: ctx.token, authOrigin: ctx.endpointOrigin, follow: true }, ctx.timeouts);
        const res = g.res;
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
          for await (const chunk of g.chunks()) {
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
  const why = (lastError as Error)?.message ?? String(lastError);
  throw new HubError(`download of ${ctx.repo}/${ctx.file} failed after ${ctx.attempts} attempt(s) [${meta.url}]: ${why.replace(` [${meta.url}]`, '')}`);
}

/** The commit a HEAD answered (validated), else the revision. */
function answeredCommit(metas: FileMeta[], revision: string, what: string): string {
  const c = metas.find((m) => m.commit)?.commit;
  if (c) return checkCommit(c, what);
  return revision; // already checked by checkRevision: a safe folder name
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
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo) || repo.split('/').some((s) => s === '.' || s === '..')) throw new Error(`--repo ${repo}: expected <org>/<name>`);
  const revision = checkRevision(opts.revision ?? 'main');
  const env = hubSettingsFromEnv();
  const cacheDir = opts.cacheDir ?? env.cacheDir;
  const endpoint = (opts.endpoint ?? env.endpoint).replace(/\/+$/, '');
  const token = opts.token ?? env.token;
  const offline = opts.offline ?? env.offline;

  const cached = opts.refresh && !offline ? null : await fromCache(cacheDir, repo, revision);
  if (cached) return { repo, revision, ...cached, quickGelu, fromCache: true };
  if (offline) {
    throw new HubError(`offline (HF_HUB_OFFLINE) and ${repo}@${revision} is not in the cache ${repoCacheDir(cacheDir, repo)}`);
  }

  const net: NetOptions = { token, timeouts: opts.timeouts };
  const configMeta = await headFile(endpoint, repo, revision, CONFIG_NAME, net);
  let weightMeta: FileMeta | null = null;
  let weightFile = '';
  for (const f of WEIGHT_FILES) {
    try {
      weightMeta = await headFile(endpoint, repo, revision, f, net);
      weightFile = f;
      break;
    } catch (e) {
      if (!(e instanceof HubError && e.status === 404)) throw e;
    }
  }
  if (!weightMeta) throw new HubError(`not found on the hub: ${repo} (revision ${revision}) has neither ${WEIGHT_FILES.join(' nor ')}`, 404);

  const repoDir = repoCacheDir(cacheDir, repo);
  const commit = answeredCommit([weightMeta, configMeta], revision, `${repo}@${revision}`);
  const ctx = { repo, revision, ...net, cacheDir, repoDir, endpointOrigin: new URL(endpoint).origin, attempts: opts.attempts ?? 5, backoff: opts.backoff, lockTimeoutMs: opts.lockTimeoutMs, onProgress: opts.onProgress };
  const config = pathUnder(repoDir, 'snapshots', commit, CONFIG_NAME);
  const weights = pathUnder(repoDir, 'snapshots', commit, weightFile);
  if (!existsSync(config)) await downloadFile(configMeta, config, { ...ctx, file: CONFIG_NAME });
  if (!existsSync(weights)) await downloadFile(weightMeta, weights, { ...ctx, file: weightFile });
  if (commit !== revision) await writeAtomic(pathUnder(repoDir, 'refs', revision), commit);
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
  timeouts?: Timeouts;
  backoff?: Backoff;
  lockTimeoutMs?: number;
  onProgress?: (p: DownloadProgress) => void;
}

/**
 * Any files of a hub repo (e.g. a tokenizer's vocab.json and merges.txt) into the same cache as the models,
 * with the same resume, size and sha256 checks; the cache is used without the network when it has them all.
 */
export async function downloadHubFiles(opts: HubFileOptions): Promise<string[]> {
  const { repo, files } = opts;
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo) || repo.split('/').some((s) => s === '.' || s === '..')) throw new Error(`repo ${repo}: expected <org>/<name>`);
  const revision = checkRevision(opts.revision ?? 'main');
  const env = hubSettingsFromEnv();
  const cacheDir = opts.cacheDir ?? env.cacheDir;
  const dir = repoCacheDir(cacheDir, repo);
  const known = await resolveRef(dir, revision);
  const cachedPaths = files.map((f) => pathUnder(dir, 'snapshots', known, f));
  if (cachedPaths.every((p) => existsSync(p))) return cachedPaths;
  if (opts.offline ?? env.offline) {
    throw new HubError(`offline (HF_HUB_OFFLINE) and ${files.join(', ')} of ${repo}@${revision} are not in the cache ${dir}`);
  }
  const endpoint = (opts.endpoint ?? env.endpoint).replace(/\/+$/, '');
  const net: NetOptions = { token: opts.token ?? env.token, timeouts: opts.timeouts };
  const metas = [];
  for (const f of files) metas.push(await headFile(endpoint, repo, revision, f, net));
  const commit = answeredCommit(metas, revision, `${repo}@${revision}`);
  const ctx = { repo, revision, ...net, cacheDir, repoDir: dir, endpointOrigin: new URL(endpoint).origin, attempts: opts.attempts ?? 5, backoff: opts.backoff, lockTimeoutMs: opts.lockTimeoutMs, onProgress: opts.onProgress };
  const out: string[] = [];
  for (const [i, f] of files.entries()) {
    const dest = pathUnder(dir, 'snapshots', commit, f);
    if (!existsSync(dest)) await downloadFile(metas[i], dest, { ...ctx, file: f });
    out.push(dest);
  }
  if (commit !== revision) await writeAtomic(pathUnder(dir, 'refs', revision), commit);
  return out;
}
