import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { chromium as playwright, type Page } from 'playwright-core';
import { ClearCLIP, classShares, readImage } from 'clearclip';
import { findChromium } from './run.js';
import { serveWebAndHub } from './web-server.js';
import { hubTokenizerFiles } from './hub-tokenizer.js';
import { requireShared } from '../helpers/fixtures.js';
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildWeb } from '../../scripts/web-build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Where the screenshot lands (a test artefact; the README's copy is assets/web-page.png). */
export const SCREENSHOT = path.join(root, 'out/test-artifacts/web-page.png');
const REPO = 'clearclip-test/clip-tiny-b16';
const CLASSES = 'sky,cloud,sun,mountain,grass,tree,house';

// The page end to end in headless Chromium (WebGPU through SwiftShader): the tiny fixture model from a loopback hub
// stand-in, the demo picture segmented, and the page's label map compared with the Node library's, pixel for pixel.
t.test('the web page segments the demo picture as the Node library does, and a second visit needs no download', async (t) => {
  const chrome = findChromium();
  if (!chrome) {
    const reason = 'no Chromium (apt-get install chromium, or set CHROMIUM=/path/to/chrome)';
    if (process.env.CI === 'true') return void t.fail(`${reason}: in CI the browser is required`);
    return void t.plan(0, reason);
  }
  const fixture = requireShared(t, 'fixtures/clip-tiny-b16');
  const bpe = requireShared(t, 'vocab/bpe_simple_vocab_16e6.txt.gz');
  if (!fixture || !bpe) return;

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'clearclip-web-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }));
  const site = await buildWeb(path.join(tmp, 'site'));
  const tok = hubTokenizerFiles(bpe);
  const server = await serveWebAndHub(site, {
    [REPO]: { 'open_clip_config.json': path.join(fixture, 'open_clip_config.json'), 'open_clip_model.safetensors': path.join(fixture, 'open_clip_model.safetensors') },
    'openai/clip-vit-base-patch16': { 'vocab.json': new TextEncoder().encode(tok.vocabJson), 'merges.txt': new TextEncoder().encode(tok.mergesTxt) },
  });
  t.teardown(() => server.close());

  const context = await playwright.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: chrome,
    headless: true,
    acceptDownloads: true,
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const url = `${server.origin}/?hub=${encodeURIComponent(server.endpoint)}&repo=${REPO}&dtype=f32`;

  const first = await segmentOnPage(page, url);
  t.equal(first.state, 'done', `the page finished (${first.error ?? 'no error'})`);
  t.same(pageErrors, [], 'no uncaught errors in the page');
  if (first.state !== 'done') return;
  t.ok(server.hubRequests.includes(`${REPO}/open_clip_model.safetensors`), 'the first visit downloaded the weights from the hub stand-in');
  t.match(first.adapter, /GPU: .*\[navigator, /, `WebGPU through navigator.gpu (${first.adapter})`);

  // The same inputs through the Node library: the fixture checkpoint (converted on load), the demo picture's pixels.
  const seg = await ClearCLIP.load({ weights: path.join(fixture, 'open_clip_model.safetensors'), vocab: bpe, cacheDir: path.join(tmp, 'node-cache'), dtype: 'f32' });
  t.teardown(() => seg.dispose());
  const node = await seg.segment(await readImage(path.join(root, 'assets/demo.png')), CLASSES, { form: 'clearclip', probs: false });

  // The label map as the user downloads it (class index in R, G and B).
  const png = PNG.sync.read(first.labelMap);
  t.same([png.width, png.height], [node.width, node.height], 'label map size');
  let differ = 0;
  for (let p = 0; p < node.pred.length; p++) if (png.data[4 * p] !== node.pred[p] || png.data[4 * p + 1] !== node.pred[p]) differ++;
  t.equal(differ, 0, `the page's label map equals the Node library's, pixel for pixel (${differ} of ${node.pred.length} differ)`);

  // Legend and shares: one row per class, the shares the Node prediction gives.
  const shares = classShares(node.pred, node.classNames.length);
  t.same(first.legend.map((l) => l.name), node.classNames, 'the legend names every class, in order');
  for (let i = 0; i < shares.length; i++) {
    t.equal(first.legend[i].share, `${(shares[i] * 100).toFixed(shares[i] >= 0.1 ? 0 : 1)}%`, `share of ${node.classNames[i]}`);
  }
  t.ok(first.timings.length > 0, 'per-stage timings are shown');
  t.comment(`page timings, first visit (tiny model, SwiftShader):\n${first.timings.join('\n')}`);

  // Hovering over the image reads out the class under the cursor.
  const box = (await page.locator('#overlay').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const cx = Math.floor(node.width / 2);
  const cy = Math.floor(node.height / 2);
  const hover = await page.locator('#hover').textContent();
  t.match(hover ?? '', node.classNames[node.pred[cy * node.width + cx]], `hover read-out names the class under the cursor: ${hover}`);

  mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  t.comment(`screenshot: ${path.relative(root, SCREENSHOT)}`);

  // A second visit: weights, tokenizer and query features come from the browser's storage.
  const before = server.hubRequests.length;
  const second = await segmentOnPage(page, url);
  t.equal(second.state, 'done', `the second visit finished (${second.error ?? 'no error'})`);
  t.same(server.hubRequests.slice(before), [], 'the second visit made no request to the hub (weights, config, tokenizer)');
  t.ok(second.fromCache, 'the page says the model came from the browser\'s storage');
  t.same(second.labelMap, first.labelMap, 'the second visit gives the same label map');
  t.comment(`page timings, second visit:\n${second.timings.join('\n')}`);

  // A browser without WebGPU: the page says so plainly, and which browsers have it.
  const plain = await context.newPage();
  await plain.addInitScript(() => delete (Navigator.prototype as { gpu?: unknown }).gpu);
  await plain.goto(url);
  await plain.waitForFunction(() => (window as unknown as { __clearclip: { state: string } }).__clearclip.state === 'no-webgpu');
  const note = (await plain.locator('#nogpu').textContent()) ?? '';
  t.match(note, /no WebGPU.*Chrome.*Safari.*Firefox/s, `the page explains the missing WebGPU: ${note.slice(0, 80)}...`);
  t.ok(await plain.locator('#segment').isDisabled(), 'Segment is disabled without WebGPU');
});

interface PageRun {
  state: string;
  error?: string;
  labelMap: Buffer;
  legend: { name: string; share: string }[];
  timings: string[];
  adapter: string;
  fromCache: boolean;
}

/** Open the page, wait for the preloaded demo picture, press Segment, wait for the result, download the label map. */
async function segmentOnPage(page: Page, url: string): Promise<PageRun> {
  await page.goto(url);
  await page.waitForFunction(() => !!(document.getElementById('preview') as HTMLImageElement).src);
  await page.fill('#classes', CLASSES);
  await page.click('#segment');
  await page.waitForFunction(() => ['done', 'error'].includes((window as unknown as { __clearclip: { state: string } }).__clearclip.state), undefined, { timeout: 540_000, polling: 250 });
  const s = await page.evaluate(() => {
    const c = (window as unknown as { __clearclip: { state: string; error?: string; loaded?: { fromCache: boolean } } }).__clearclip;
    return { state: c.state, error: c.error, fromCache: !!c.loaded?.fromCache };
  });
  if (s.state !== 'done') return { ...s, labelMap: Buffer.alloc(0), legend: [], timings: [], adapter: '' };
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const file = await download.path();
  const { readFile } = await import('node:fs/promises');
  const labelMap = await readFile(file);
  const legend = await page.$$eval('#legend li', (lis) => lis.map((li) => ({ name: li.childNodes[1].textContent!.trim(), share: li.querySelector('.share')!.textContent! })));
  const timings = await page.$$eval('#timings tr', (trs) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent).join(' ')));
  const adapter = (await page.locator('#adapter').textContent()) ?? '';
  return { ...s, labelMap, legend, timings, adapter };
}
