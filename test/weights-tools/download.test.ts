import t, { type Test } from 'tap';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { downloadModel, type DownloadProgress } from '@clearclip/weights-tools';
import { requireShared } from '../helpers/fixtures.js';
import { startHubServer, type HubFile } from './hub-server.js';

const REPO = 'timm/vit_base_patch16_clip_224.openai'; // what the table maps ViT-B-16 openai to
const COMMIT = 'c0ffee0000000000000000000000000000000001';

async function fixtureRepo(t: Test): Promise<Record<string, HubFile> | null> {
  const w = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  const c = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_config.json');
  if (!w || !c) return null;
  return {
    'open_clip_model.safetensors': { data: await readFile(w), lfs: true },
    'open_clip_config.json': { data: await readFile(c), lfs: false },
  };
}

async function tmp(t: Test): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'wt-hub-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

const snapshot = (cache: string, repo = REPO) => path.join(cache, `models--${repo.replace('/', '--')}`, 'snapshots', COMMIT);

t.test('fresh download into the hub-style cache, then a cache hit with the server gone', async (t) => {
  const files = await fixtureRepo(t);
  if (!files) return;
  const cache = await tmp(t);
  const hub = await startHubServer({ repos: { [REPO]: files }, commit: COMMIT });
  const progress: DownloadProgress[] = [];
  const r = await downloadModel({ model: 'ViT-B-16', pretrained: 'openai', cacheDir: cache, endpoint: hub.endpoint, offline: false, onProgress: (p) => progress.push(p) });
  await hub.close();
  t.equal(r.repo, REPO);
  t.equal(r.commit, COMMIT);
  t.equal(r.fromCache, false);
  t.equal(r.quickGelu, true, 'OpenAI weights are QuickGELU');
  t.equal(r.weights, path.join(snapshot(cache), 'open_clip_model.safetensors'));
  t.equal(r.config, path.join(snapshot(cache), 'open_clip_config.json'));
  t.ok(Buffer.from(await readFile(r.weights)).equals(Buffer.from(files['open_clip_model.safetensors'].data)), 'weights byte-identical');
  t.ok(Buffer.from(await readFile(r.config)).equals(Buffer.from(files['open_clip_config.json'].data)), 'config byte-identical');
  t.equal((await readFile(path.join(cache, `models--timm--vit_base_patch16_clip_224.openai`, 'refs', 'main'), 'utf8')).trim(), COMMIT, 'refs/main records the commit');
  t.same((await readdir(snapshot(cache))).sort(), ['open_clip_config.json', 'open_clip_model.safetensors'], 'no .incomplete left behind');
  const w = progress.filter((p) => p.file === 'open_clip_model.safetensors');
  t.ok(w.every((p, i) => i === 0 || p.downloaded >= w[i - 1].downloaded), 'progress is monotonic');
  t.same(w.at(-1), { repo: REPO, file: 'open_clip_model.safetensors', downloaded: files['open_clip_model.safetensors'].data.length, total: files['open_clip_model.safetensors'].data.length, done: true });

  // The server is closed: a second call must be served from the cache without the network.
  const again = await downloadModel({ model: 'ViT-B-16', pretrained: 'openai', cacheDir: cache, endpoint: hub.endpoint, offline: false });
  t.equal(again.fromCache, true);
  t.equal(again.weights, r.weights);
  const offline = await downloadModel({ model: 'ViT-B-16', pretrained: 'openai', cacheDir: cache, endpoint: 'http://127.0.0.1:9', offline: true });
  t.equal(offline.weights, r.weights, 'offline mode finds the snapshot through refs/main');
  // Forcing a refresh with the server down is a clear network error, not a silent cache hit.
  await t.rejects(downloadModel({ repo: REPO, cacheDir: cache, endpoint: hub.endpoint, offline: false, refresh: true }), /cannot reach http:\/\/127\.0\.0\.1:\d+ for timm\/vit_base_patch16_clip_224\.openai\/open_clip_config\.json/);
});

t.test('offline with an empty cache names the repo and the cache', async (t) => {
  const cache = await tmp(t);
  await t.rejects(downloadModel({ model: 'ViT-L-14', pretrained: 'laion2b_s32b_b82k', cacheDir: cache, offline: true }), /offline \(HF_HUB_OFFLINE\) and laion\/CLIP-ViT-L-14-laion2B-s32B-b82K@main is not in the cache/);
});

t.test('a transfer cut mid-way is resumed with a Range request', async (t) => {
  const files = await fixtureRepo(t);
  if (!files) return;
  const size = files['open_clip_model.safetensors'].data.length;
  const half = Math.floor(size / 2);

  // Within one call: the retry resumes where the broken transfer stopped.
  const cache1 = await tmp(t);
  const hub1 = await startHubServer({ repos: { [REPO]: files }, commit: COMMIT, cutAt: half });
  const r = await downloadModel({ repo: REPO, cacheDir: cache1, endpoint: hub1.endpoint, offline: false });
  await hub1.close();
  const gets = hub1.requests.filter((q) => q.method === 'GET' && q.url.startsWith('/cdn/'));
  t.equal(gets.length, 2, 'two GETs of the weights');
  t.equal(gets[0].range, undefined);
  t.match(gets[1].range, /^bytes=\d+-$/, 'the second GET asks for the rest');
  // The resume point is what reached the disk before the cut (at most the bytes sent), never 0.
  const resumedAt = Number(/\d+/.exec(gets[1].range!)![0]);
  t.ok(resumedAt > 0 && resumedAt <= half, `resumed at ${resumedAt} (cut after ${half} bytes), not from 0`);
  t.ok(Buffer.from(await readFile(r.weights)).equals(Buffer.from(files['open_clip_model.safetensors'].data)), 'resumed file is byte-identical');

  // Across calls: with a single attempt the partial file stays as .incomplete and the next run resumes it.
  const cache2 = await tmp(t);
  const hub2 = await startHubServer({ repos: { [REPO]: files }, commit: COMMIT, cutAt: half });
  await t.rejects(downloadModel({ repo: REPO, cacheDir: cache2, endpoint: hub2.endpoint, offline: false, attempts: 1 }), /download of timm\/vit_base_patch16_clip_224\.openai\/open_clip_model\.safetensors failed after 1 attempt/);
  const part = path.join(snapshot(cache2), 'open_clip_model.safetensors.incomplete');
  const partSize = (await stat(part)).size;
  t.ok(partSize > 0 && partSize <= half, `partial file kept (${partSize} of ${size} bytes)`);
  const r2 = await downloadModel({ repo: REPO, cacheDir: cache2, endpoint: hub2.endpoint, offline: false, attempts: 1 });
  await hub2.close();
  const last = hub2.requests.filter((q) => q.method === 'GET' && q.url.startsWith('/cdn/')).at(-1)!;
  t.equal(last.range, `bytes=${partSize}-`, 'second run resumes from the partial file');
  t.ok(Buffer.from(await readFile(r2.weights)).equals(Buffer.from(files['open_clip_model.safetensors'].data)));
  t.notOk(existsSync(part), '.incomplete renamed away');
});

t.test('a sha256 mismatch is an error and leaves nothing to resume', async (t) => {
  const files = await fixtureRepo(t);
  if (!files) return;
  const cache = await tmp(t);
  const hub = await startHubServer({ repos: { [REPO]: files }, commit: COMMIT, fakeSha: 'ab'.repeat(32) });
  await t.rejects(downloadModel({ repo: REPO, cacheDir: cache, endpoint: hub.endpoint, offline: false }), /sha256 mismatch for timm\/vit_base_patch16_clip_224\.openai\/open_clip_model\.safetensors: hub says abab.*, downloaded file has [0-9a-f]{64}/);
  await hub.close();
  t.same((await readdir(snapshot(cache))).sort(), ['open_clip_config.json'], 'neither the weights nor a .incomplete remain');
});

t.test('404s name the repo and file; .bin is the fallback weight file', async (t) => {
  const files = await fixtureRepo(t);
  if (!files) return;
  const cache = await tmp(t);
  const binRepo = { 'open_clip_pytorch_model.bin': { data: Uint8Array.from([1, 2, 3]), lfs: true }, 'open_clip_config.json': files['open_clip_config.json'] };
  const configOnly = { 'open_clip_config.json': files['open_clip_config.json'] };
  const hub = await startHubServer({ repos: { [REPO]: files, 'org/bin-only': binRepo, 'org/config-only': configOnly }, commit: COMMIT });
  t.teardown(() => hub.close());
  await t.rejects(downloadModel({ repo: 'nobody/nothing', cacheDir: cache, endpoint: hub.endpoint, offline: false }), /not found on the hub: nobody\/nothing\/open_clip_config\.json \(revision main\)/);
  await t.rejects(downloadModel({ repo: REPO, revision: 'v9', cacheDir: cache, endpoint: hub.endpoint, offline: false }), /not found on the hub: timm\/vit_base_patch16_clip_224\.openai\/open_clip_config\.json \(revision v9\)/);
  await t.rejects(downloadModel({ repo: 'org/config-only', cacheDir: cache, endpoint: hub.endpoint, offline: false }), /org\/config-only \(revision main\) has neither open_clip_model\.safetensors nor open_clip_pytorch_model\.bin/);
  const bin = await downloadModel({ repo: 'org/bin-only', cacheDir: cache, endpoint: hub.endpoint, offline: false });
  t.equal(path.basename(bin.weights), 'open_clip_pytorch_model.bin');
  t.same([...(await readFile(bin.weights))], [1, 2, 3]);
  await t.rejects(downloadModel({ model: 'ViT-X-99', pretrained: 'openai', cacheDir: cache }), /unknown model\/pretrained 'ViT-X-99 openai'; known: ViT-B-16 openai/);
});
