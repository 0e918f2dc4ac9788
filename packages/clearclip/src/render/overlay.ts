import type { RgbImage } from '../image/types.js';
import { checkRgbImage } from '../image/types.js';
import { fillRect } from './draw.js';
import { textPath, textWidth } from './font.js';
import { fillPath } from './raster.js';
import { classShares } from './label.js';
import type { Rgb } from './palette.js';

const MAX_NAME = 28;

/** Sizes of the legend, in pixels, for a photo of width x height. */
export interface LegendMetrics {
  /** Font size (pixels per em). */
  em: number;
  swatch: number;
  /** White border inside the swatch. */
  border: number;
  pad: number;
  rowH: number;
  margin: number;
}

/**
 * The legend grows with the photo so it reads the same at the image's native size: one em per 30 pixels of the
 * short side, at least 12 px (a 640x480 photo gets 16 px text, a 2048x1367 one 46 px).
 */
export function legendMetrics(width: number, height: number): LegendMetrics {
  const em = Math.max(12, Math.round(Math.min(width, height) / 30));
  return { em, swatch: Math.round(0.8 * em), border: Math.max(1, Math.round(em / 12)), pad: Math.round(0.4 * em), rowH: Math.round(1.3 * em), margin: Math.round(0.25 * em) };
}

function legendLabel(name: string, share: number): string {
  const n = name.length > MAX_NAME ? `${name.slice(0, MAX_NAME - 3)}...` : name;
  const pct = share * 100;
  return `${n} ${pct >= 10 || pct === 0 ? pct.toFixed(0) : pct < 0.1 ? '<0.1' : pct.toFixed(1)}%`;
}

/**
 * The photo blended with the class colours (alpha = weight of the colour), plus a legend in the top-left corner:
 * one row per class PRESENT in the prediction, in class order, with its colour swatch, name and pixel share.
 * Rows that do not fit the image height collapse into a "+N more" line. Names are drawn as written, in any script
 * the legend font covers (font.ts), anti-aliased.
 */
export function overlayImage(photo: RgbImage, pred: Int32Array, colours: Rgb[], classNames: string[], alpha = 0.5): RgbImage {
  checkRgbImage(photo, 'overlayImage');
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`overlayImage: alpha must be in [0, 1], got ${alpha}`);
  if (classNames.length !== colours.length) throw new Error(`overlayImage: ${classNames.length} class names for ${colours.length} colours`);
  const { width: w, height: h } = photo;
  if (pred.length !== w * h) throw new Error(`overlayImage: prediction has ${pred.length} values, photo is ${w}x${h} = ${w * h}`);
  const shares = classShares(pred, colours.length);

  const out: RgbImage = { width: w, height: h, data: new Uint8Array(photo.data.length) };
  for (let p = 0; p < w * h; p++) {
    const col = colours[pred[p]];
    for (let c = 0; c < 3; c++) out.data[3 * p + c] = Math.round(photo.data[3 * p + c] * (1 - alpha) + col[c] * alpha);
  }

  const present = shares.flatMap((s, k) => (s > 0 ? [k] : []));
  const m = legendMetrics(w, h);
  const fit = Math.max(1, Math.floor((h - 2 * m.margin - 2 * m.pad) / m.rowH));
  const shown = present.length <= fit ? present : present.slice(0, fit - 1);
  const lines = shown.map((k) => legendLabel(classNames[k], shares[k]));
  const more = present.length - shown.length;
  if (more > 0) lines.push(`+${more} more`);
  const textX = m.pad + m.swatch + Math.round(0.3 * m.em);
  const boxW = Math.ceil(textX + Math.max(...lines.map((l) => textWidth(l, m.em))) + m.pad);
  const boxH = 2 * m.pad + lines.length * m.rowH;
  fillRect(out, m.margin, m.margin, boxW, boxH, [0, 0, 0], 0.7);
  lines.forEach((line, r) => {
    const top = m.margin + m.pad + r * m.rowH;
    // Swatch and text centred in the row; the baseline sits where Latin and CJK glyphs both look centred.
    const sy = top + Math.round((m.rowH - m.swatch) / 2);
    if (r < shown.length) {
      fillRect(out, m.margin + m.pad, sy, m.swatch, m.swatch, [255, 255, 255]);
      fillRect(out, m.margin + m.pad + m.border, sy + m.border, m.swatch - 2 * m.border, m.swatch - 2 * m.border, colours[shown[r]]);
    }
    fillPath(out, textPath(line, m.margin + textX, top + Math.round(0.5 * m.rowH + 0.35 * m.em), m.em), [255, 255, 255]);
  });
  return out;
}
