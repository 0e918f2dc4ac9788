import type { RgbImage } from '../image/types.js';
import { checkRgbImage } from '../image/types.js';
import { GLYPH_H } from './font5x7.js';
import { charAdvance, drawText, fillRect } from './draw.js';
import { classShares } from './label.js';
import type { Rgb } from './palette.js';

const MAX_NAME = 28;

/** Legend scale: 1 font pixel per 240 pixels of the short side, so a 2048x1367 photo gets 5x (35 px letters). */
export function legendScale(width: number, height: number): number {
  return Math.max(1, Math.floor(Math.min(width, height) / 240));
}

function legendLabel(name: string, share: number): string {
  const n = name.length > MAX_NAME ? `${name.slice(0, MAX_NAME - 3)}...` : name;
  const pct = share * 100;
  return `${n} ${pct >= 10 || pct === 0 ? pct.toFixed(0) : pct < 0.1 ? '<0.1' : pct.toFixed(1)}%`;
}

/**
 * The photo blended with the class colours (alpha = weight of the colour), plus a legend in the top-left corner:
 * one row per class PRESENT in the prediction, in class order, with its colour swatch, name and pixel share.
 * Rows that do not fit the image height collapse into a "+N more" line. Names are drawn in the built-in 5x7 ASCII
 * font; other characters show as '?'.
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
  const s = legendScale(w, h);
  const pad = 3 * s;
  const rowH = GLYPH_H * s + 4 * s;
  const margin = 2 * s;
  const fit = Math.max(1, Math.floor((h - 2 * margin - 2 * pad + 4 * s) / rowH));
  const shown = present.length <= fit ? present : present.slice(0, fit - 1);
  const lines = shown.map((k) => legendLabel(classNames[k], shares[k]));
  const more = present.length - shown.length;
  if (more > 0) lines.push(`+${more} more`);
  const swatch = GLYPH_H * s;
  const textX = pad + swatch + 3 * s;
  const boxW = textX + Math.max(...lines.map((l) => l.length)) * charAdvance(s) - s + pad;
  const boxH = 2 * pad + lines.length * rowH - 4 * s;
  fillRect(out, margin, margin, boxW, boxH, [0, 0, 0], 0.7);
  lines.forEach((line, r) => {
    const y = margin + pad + r * rowH;
    if (r < shown.length) {
      const b = Math.max(1, Math.floor(s / 2));
      fillRect(out, margin + pad, y, swatch, swatch, [255, 255, 255]);
      fillRect(out, margin + pad + b, y + b, swatch - 2 * b, swatch - 2 * b, colours[shown[r]]);
    }
    drawText(out, margin + textX, y, line, s, [255, 255, 255]);
  });
  return out;
}
