// Issue 14 item 5 and the EISDIR message of 14: images (and eval labels) declaring more pixels than the limit are
// refused from their header, before anything is decoded; the limit is configurable.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { decodeImage, readImage, DEFAULT_MAX_IMAGE_PIXELS } from 'clearclip';
import { decodeIndexPng } from 'clearclip/eval';
import { buildPng } from './helpers/png-chunks.js';

t.test('a PNG declaring 20000x20000 is refused from its header, with bounded memory', async (t) => {
  const bomb = buildPng({ width: 20000, height: 20000, bitDepth: 8, colorType: 2, rows: [new Uint8Array(60000)] });
  t.ok(bomb.length < 1 << 20, `small file (${bomb.length} bytes)`);
  const rss0 = process.memoryUsage().rss;
  t.throws(() => decodeImage(bomb, 'bomb.png'), { name: 'ImageTooLargeError', message: /bomb\.png: declares 20000x20000 = 400\.0 MP, above the limit of 179\.0 MP/ });
  // As an eval label (grey): the same refusal before any inflating.
  const label = buildPng({ width: 20000, height: 20000, bitDepth: 8, colorType: 0, rows: [new Uint8Array(20000)] });
  t.throws(() => decodeIndexPng(label, 'label bomb.png'), { name: 'ImageTooLargeError', message: /label bomb\.png: declares 20000x20000/ });
  t.ok(process.memoryUsage().rss - rss0 < 256 << 20, 'no gigabyte allocations');
  t.equal(DEFAULT_MAX_IMAGE_PIXELS, 178_956_970, "Pillow's DecompressionBombError threshold");
});

t.test('the limit is configurable (option and environment) and applies to JPEG too', async (t) => {
  const png = buildPng({ width: 100, height: 50, bitDepth: 8, colorType: 2, rows: Array.from({ length: 50 }, () => new Uint8Array(300)) });
  t.equal(decodeImage(png, 'ok.png').width, 100);
  t.throws(() => decodeImage(png, 'small.png', { maxPixels: 4999 }), { name: 'ImageTooLargeError', message: /small\.png: declares 100x50/ });
  t.equal(decodeImage(png, 'ok.png', { maxPixels: 5000 }).height, 50);
  const j = jpeg.encode({ width: 64, height: 32, data: new Uint8Array(64 * 32 * 4) }, 90).data;
  t.throws(() => decodeImage(new Uint8Array(j), 'x.jpg', { maxPixels: 1000 }), { name: 'ImageTooLargeError', message: /x\.jpg: declares 64x32/ });
  process.env.CLEARCLIP_MAX_IMAGE_PIXELS = '1000';
  t.teardown(() => void delete process.env.CLEARCLIP_MAX_IMAGE_PIXELS);
  t.throws(() => decodeImage(png, 'env.png'), { name: 'ImageTooLargeError' });
  t.throws(() => decodeImage(new Uint8Array(j), 'env.jpg'), { name: 'ImageTooLargeError' });
});

t.test('reading a directory as an image names it', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'clearclip-img-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await t.rejects(readImage(dir), new RegExp(`cannot read ${dir.replace(/[.]/g, '\\.')}: is a directory`));
  await t.rejects(readImage(path.join(dir, 'nope.png')), /cannot read .*nope\.png: no such file/);
});
