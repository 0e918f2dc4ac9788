/// <reference path="./opentype-js.d.ts" />
// (the reference keeps the hand-written opentype.js declarations in every program that compiles this file from
// source; no opentype.js type appears in this module's exports, so the emitted .d.ts does not need them)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import opentype, { type Font } from 'opentype.js';
import type { PathCmd } from './raster.js';

/**
 * The legend's typeface: Noto Sans Hans Regular (Noto Sans CJK SC; SIL OFL) from the npm package
 * @embedpdf/fonts-sc, parsed by opentype.js (MIT, maintained, pure JS, so a browser build can use the same code
 * with the font fetched instead of read). Chosen because class names can be in any language ("árbol", "车"):
 * this one OTF covers Latin with accents, Greek, Cyrillic and the GB2312 Chinese set, and it is the smallest npm
 * package found that ships an unsplit CJK font (fontsource's Noto Sans SC is ~100 woff2 subsets, 73 MB packed;
 * Unifont on npm is Latin-only). Loaded once, on first use; only the Regular weight is read.
 */
let font: Font | undefined;

function legendFont(): Font {
  if (!font) {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@embedpdf/fonts-sc'));
    const file = path.join(dir, '..', 'fonts', 'NotoSansHans-Regular.otf');
    const buf = readFileSync(file);
    font = opentype.parse(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
  }
  return font;
}

/** Width in pixels of `text` at `size` pixels per em. */
export function textWidth(text: string, size: number): number {
  return legendFont().getAdvanceWidth(text, size);
}

/** Outline of `text` with its baseline starting at (x, y), in pixels (y down). */
export function textPath(text: string, x: number, y: number, size: number): PathCmd[] {
  return legendFont().getPath(text, x, y, size).commands;
}
