// Issue 14 items 1, 2, 8 and issue 8's concurrent downloads: a hostile or broken hub must not write outside the
// cache, see the token on another origin, hang the download, or let parallel processes corrupt the cache.
import t, { type Test } from 'tap';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { downloadModel, downloadHubFiles, defaultCacheDir, backoffDelay } from '@clearclip/weights-tools';
import { startHubServer, type HubFile } from './hub-server.js';

const REPO = 'org/tiny';
const COMMIT = 'c0ffee0000000000000000000000000000000001';
const here = path.dirname(fileURLToPath(import.meta.url));

function files(): Record<string, HubFile> {
  const w = new Uint8Array(300_000);
  for (let i = 0; i < w.length; i++) w[i] = (i * 2654435761) >>> 24;
  return {
    'open_clip_model.safetensors': { data: w, lfs: true },
    'open_clip_config.json': { data: new TextEncoder().encode('{"model_cfg": {}}'), lfs: false },
  };
}

async function tmp(t: Test): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'wt-hard-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

async function listAll(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

t.test('1: a hostile X-Repo-Commit or --revision cannot place files outside the cache', async (t) => {
  const root = await tmp(t);
  const cache = path.join(root, 'a', 'b', 'cache');
  for (const bad of ['../../x', '../../../escaped', '/etc', 'c0ffee/../../..']) {
    const hub = await startHubServer({ repos: { [REPO]: files() }, commitHeader: bad });
    await t.rejects(downloadModel({ repo: REPO, cacheDir: cache, endpoint: hub.endpoint, offline: false }), { name: 'CachePathError', message: /invalid commit/ }, `commit ${bad}`);
    await hub.close();
  }
  const hub = await startHubServer({ repos: { [REPO]: files() } });
  t.teardown(() => hub.close());
  for (const rev of ['../../x', '..', 'a/../../b', '/abs', '.hidden', 'x//y', 'a\\b', '']) {
    await t.rejects(downloadModel({ repo: REPO, revision: rev, cacheDir: cache, endpoint: hub.endpoint, offline: false }), { name: 'CachePathError', message: /revision/ }, `revision ${JSON.stringify(rev)}`);
    await t.rejects(downloadHubFiles({ repo: REPO, files: ['open_clip_config.json'], revision: rev, cacheDir: cache, endpoint: hub.endpoint, offline: false }), { name: 'CachePathError' });
  }
  await t.rejects(downloadHubFiles({ repo: REPO, files: ['../../../evil'], cacheDir: cache, endpoint: hub.endpoint, offline: false }), /escapes the cache root/);
  t.same(await listAll(root), existsSync(cache) ? ['a', 'a/b', 'a/b/cache', ...(await listAll(cache)).map((p) => `a/b/cache/${p}`)] : ['a', 'a/b'].filter((p) => existsSync(path.join(root, p))), 'nothing written outside the cache');
  // A legitimate branch name with a slash (refs/pr/1) still works.
  const ok = await downloadModel({ repo: REPO, revision: COMMIT, cacheDir: cache, endpoint: hub.endpoint, offline: false });
  t.equal(ok.commit, COMMIT);
});

t.test('2: the token goes only to the endpoint origin, never to a redirect target elsewhere', async (t) => {
  const cache = await tmp(t);
  const f = files();
  const cdn = await startHubServer({ repos: { [REPO]: f } });
  const hub = await startHubServer({ repos: { [REPO]: f }, cdnOrigin: cdn.endpoint.replace('127.0.0.1', 'localhost') });
  t.teardown(() => Promise.all([hub.close(), cdn.close()]));
  const r = await downloadModel({ repo: REPO, cacheDir: cache, endpoint: hub.endpoint, offline: false, token: 'hf_secret' });
  t.ok(Buffer.from(await readFile(r.weights)).equals(Buffer.from(f['open_clip_model.safetensors'].data)), 'weights arrived via the other origin');
  t.ok(hub.requests.length > 0 && hub.requests.every((q) => q.authorization === 'Bearer hf_secret'), 'the hub itself gets the token');
  t.ok(cdn.requests.length > 0, 'the CDN was used');
  t.ok(cdn.requests.every((q) => q.authorization === undefined), 'the CDN on another origin never sees it');
});

async function rawServer(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

t.test('8: timeouts for a silent server and a stalled body, backoff between attempts, final error names the URL', async (t) => {
  const cache = await tmp(t);
  const silent = await startHubServer({ repos: { [REPO]: files() }, silent: true });
  const t0 = performance.now();
  await t.rejects(downloadModel({ repo: REPO, cacheDir: cache, endpoint: silent.endpoint, offline: false, timeouts: { firstByteMs: 300 } }), /cannot reach .*: no response within 300 ms \[http:\/\/127\.0\.0\.1:\d+\/org\/tiny\/resolve\/main\/open_clip_config\.json\]/);
  t.ok(performance.now() - t0 < 5000, `silent server given up on after ${(performance.now() - t0).toFixed(0)} ms`);
  await silent.close();

  const stalled = await startHubServer({ repos: { [REPO]: files() }, stallAt: 1000 });
  t.teardown(() => stalled.close());
  const t1 = performance.now();
  await t.rejects(
    downloadModel({ repo: REPO, cacheDir: cache, endpoint: stalled.endpoint, offline: false, attempts: 4, timeouts: { idleMs: 200 }, backoff: { baseMs: 100 } }),
    /^download of org\/tiny\/open_clip_model\.safetensors failed after 4 attempt\(s\) \[http:\/\/127\.0\.0\.1:\d+\/cdn\/[0-9a-f]{64}\]: body stalled for 200 ms$/,
  );
  t.ok(performance.now() - t1 < 10_000, 'bounded');
  const gets = stalled.requests.filter((q) => q.method === 'GET' && q.url.startsWith('/cdn/'));
  t.equal(gets.length, 4, 'four attempts');
  // Each gap = idle timeout (200) + backoff (at least half of 100 * 2^n).
  for (let i = 1; i < gets.length; i++) {
    const gap = gets[i].at - gets[i - 1].at;
    t.ok(gap >= 200 + 50 * 2 ** (i - 1) - 5, `gap ${i}: ${gap.toFixed(0)} ms >= ${200 + 50 * 2 ** (i - 1)} (exponential backoff)`);
  }
  for (let n = 0; n < 6; n++) {
    const d = backoffDelay(n, { baseMs: 1000, maxMs: 30_000 });
    const full = Math.min(30_000, 1000 * 2 ** n);
    t.ok(d >= full / 2 && d <= full, `backoff ${n}: ${d.toFixed(0)} in [${full / 2}, ${full}]`);
  }
  // A connection refused is named too.
  const { url, server } = await rawServer((_q, s) => s.end());
  await new Promise((r) => server.close(r));
  await t.rejects(downloadModel({ repo: REPO, cacheDir: cache, endpoint: url, offline: false }), new RegExp(`cannot reach ${url.replace(/[.]/g, '\\.')} for org/tiny`));
});

t.test('issue 8: HF cache location honours XDG_CACHE_HOME as huggingface_hub does', async (t) => {
  t.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache' }), path.join('/x/cache', 'huggingface', 'hub'));
  t.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache', HF_HOME: '/h' }), path.join('/h', 'hub'));
  t.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache', HF_HOME: '/h', HF_HUB_CACHE: '/c' }), '/c');
  t.match(defaultCacheDir({}), /\.cache[/\\]huggingface[/\\]hub$/);
});

t.test('issue 8: 8 processes downloading the same model end with one correct copy', async (t) => {
  const cache = await tmp(t);
  const f = files();
  const hub = await startHubServer({ repos: { [REPO]: f } });
  t.teardown(() => hub.close());
  const worker = path.join(here, 'download-worker.ts');
  const runs = await Promise.all(
    Array.from({ length: 8 }, () =>
      new Promise<{ code: number; out: string; err: string }>((resolve) => {
        execFile(process.execPath, ['--conditions=clearclip-source', '--import=tsx', worker, hub.endpoint, cache, REPO], { timeout: 120_000 }, (e, out, err) =>
          resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }),
        );
      }),
    ),
  );
  for (const r of runs) t.equal(r.code, 0, r.err || 'worker ok');
  const results = runs.filter((r) => r.code === 0).map((r) => JSON.parse(r.out) as { weights: string });
  t.equal(new Set(results.map((r) => r.weights)).size, 1, 'all point at the same file');
  t.ok(Buffer.from(await readFile(results[0].weights)).equals(Buffer.from(f['open_clip_model.safetensors'].data)), 'byte-identical');
  const snap = path.join(cache, 'models--org--tiny', 'snapshots', COMMIT);
  t.same((await readdir(snap)).sort(), ['open_clip_config.json', 'open_clip_model.safetensors'], 'no .incomplete or temporary files');
  t.same((await readdir(path.join(cache, 'models--org--tiny', 'refs'))).sort(), ['main'], 'no temporary refs files');
  const weightGets = hub.requests.filter((q) => q.method === 'GET' && q.url.startsWith('/cdn/'));
  t.equal(weightGets.length, 1, 'the weights were transferred once; the others waited for the lock');
});
