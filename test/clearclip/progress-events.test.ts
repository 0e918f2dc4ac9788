// The library's progress events on a cold and a warm run: a model from a loopback hub stand-in, converted, loaded,
// queried and segmented. Phases come in order, each starts once and ends once, counts never go back, the final count
// is the total, and a warm run says "cached" instead of redoing work.
import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClearCLIP, type ProgressEvent } from 'clearclip';
import { requireShared } from '../helpers/fixtures.js';
import { startHubServer } from '../weights-tools/hub-server.js';
import { describeEvent, progressPrinter } from '../../packages/clearclip/src/cli/progress-printer.js';

const REPO = 'laion/CLIP-ViT-B-16-laion2B-s34B-b88K';

function checkPhase(t: Test, events: ProgressEvent[], label: string): void {
  const terminal = events.filter((e) => e.status === 'done' || e.status === 'cached');
  t.equal(terminal.length, 1, `${label}: exactly one done/cached event`);
  t.equal(events.at(-1), terminal[0], `${label}: and it is the last one`);
  for (let i = 1; i < events.length; i++) t.ok(events[i].loaded >= events[i - 1].loaded, `${label}: loaded never decreases (${events[i - 1].loaded} -> ${events[i].loaded})`);
  if (terminal[0].status === 'done') {
    t.equal(events[0].status, 'start', `${label}: starts with 'start'`);
    t.equal(terminal[0].loaded, terminal[0].total, `${label}: final loaded = total (${terminal[0].total})`);
  }
}

function byPhase(events: ProgressEvent[]): Map<string, ProgressEvent[]> {
  const m = new Map<string, ProgressEvent[]>();
  for (const e of events) {
    const k = `${e.phase} ${e.name}`;
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(e);
  }
  return m;
}

t.test('progress events through load and segment, cold then warm', async (t) => {
  const w = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  const c = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_config.json');
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  const image = requireShared(t, 'images', 'horses.jpg');
  if (!w || !c || !vocab || !image) return;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'clearclip-progress-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const weights = readFileSync(w);
  const hub = await startHubServer({ repos: { [REPO]: { 'open_clip_model.safetensors': { data: weights, lfs: true }, 'open_clip_config.json': { data: readFileSync(c), lfs: false } } } });
  t.teardown(() => hub.close());
  const env = { HF_ENDPOINT: process.env.HF_ENDPOINT, HF_HUB_CACHE: process.env.HF_HUB_CACHE, HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE };
  Object.assign(process.env, { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: path.join(tmp, 'hub'), HF_HUB_OFFLINE: '' });
  t.teardown(() => {
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });

  const run = async (): Promise<ProgressEvent[]> => {
    const events: ProgressEvent[] = [];
    const seg = await ClearCLIP.load({ model: 'ViT-B-16', pretrained: 'laion2b_s34b_b88k', vocab, cacheDir: path.join(tmp, 'cache'), onProgress: (e) => events.push(e) });
    try {
      await seg.segment(image, 'sky,horse,grass', { scale: [2048, 224], crop: 224, stride: 112, probs: false, onProgress: (e) => events.push(e) });
    } finally {
      seg.dispose();
    }
    return events;
  };

  const cold = await run();
  const order = [...new Set(cold.map((e) => e.phase))];
  t.same(order, ['download', 'convert', 'load', 'queries', 'windows'], 'cold run: phases in order');
  const phases = byPhase(cold);
  for (const [k, ev] of phases) checkPhase(t, ev, k);
  const wdl = phases.get(`download ${REPO}/open_clip_model.safetensors`)!;
  t.ok(wdl, 'the weights download has its own phase');
  t.equal(wdl.at(-1)!.total, weights.length, 'download total = file size');
  t.ok(wdl.every((e) => e.unit === 'bytes'), 'download counts bytes');
  t.ok(wdl.at(-1)!.rate! > 0, 'download reports a rate');
  const conv = cold.filter((e) => e.phase === 'convert');
  t.equal(conv.at(-1)!.total, 74, 'conversion counts the 74 tensors of the fixture');
  const q = cold.filter((e) => e.phase === 'queries');
  t.equal(q.at(-1)!.total, 3, 'queries count classes');
  t.ok(q.at(-1)!.rate! > 0, 'queries report prompts/s');
  const win = cold.filter((e) => e.phase === 'windows');
  t.ok(win.at(-1)!.total! >= 2, `windows counted (${win.at(-1)!.total})`);

  const getsBefore = hub.requests.filter((r) => r.method === 'GET').length;
  const warm = await run();
  t.equal(hub.requests.filter((r) => r.method === 'GET').length, getsBefore, 'warm: nothing downloaded again');
  const status = (phase: string) => warm.filter((e) => e.phase === phase).map((e) => e.status);
  t.same(status('download'), ['cached'], 'warm: the download is cached');
  t.same(status('convert'), ['cached'], 'warm: the conversion is cached');
  t.same(status('queries'), ['cached'], 'warm: the query features are cached');

  // The CLI's renderings of the same events: plain lines off a terminal (no \r), redrawn lines on one.
  let plain = '';
  const p = progressPrinter({ stream: { write: (s: string) => (plain += s) }, tty: false });
  for (const e of cold) p.event(e);
  t.notMatch(plain, /\r/, 'plain form has no carriage returns');
  t.match(plain, /download laion\/CLIP-ViT-B-16-laion2B-s34B-b88K\/open_clip_model\.safetensors: 7\.0\/7\.0 MiB \(100%\), [\d.]+ MiB\/s done/);
  t.match(plain, /queries 3 classes: 3\/3 classes \(100%\), [\d.]+ prompts\/s done/);
  let tty = '';
  const p2 = progressPrinter({ stream: { write: (s: string) => (tty += s) }, tty: true });
  for (const e of warm) p2.event(e);
  t.match(tty, /\rdownload laion\/CLIP-ViT-B-16-laion2B-s34B-b88K: cached/);
  t.equal(describeEvent(warm.find((e) => e.phase === 'convert')!).split(':')[1].trim().startsWith('cached'), true, 'convert: cached');
});

t.test("a phase's elapsed time counts from its start, not from when its reporter was made", async (t) => {
  const { PhaseReporter } = await import('../../packages/clearclip/src/progress.js');
  const events: ProgressEvent[] = [];
  const r = new PhaseReporter((e) => events.push(e), 'windows', 'image', 'windows', 2);
  await new Promise((res) => setTimeout(res, 80)); // e.g. the queries computed before the windows begin
  r.start();
  r.done();
  t.same(events.map((e) => e.status), ['start', 'done']);
  t.ok(events[1].elapsed < 0.05, `done after ${events[1].elapsed.toFixed(3)} s of the phase (the reporter waited 0.08 s before it)`);
});
