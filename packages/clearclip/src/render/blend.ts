import type { RgbImage } from '../image/types.js';
import { checkRgbImage } from '../image/types.js';
import type { Rgb } from './palette.js';

/**
 * The photo blended with each pixel's class colour (alpha = weight of the colour), without a legend: the overlay
 * for a page that shows its legend as HTML. overlayImage (overlay.ts) draws the same blend plus a legend, whose font
 * is read from disk, so it stays on the Node side.
 */
export function blendLabels(photo: RgbImage, pred: Int32Array, colours: Rgb[], alpha = 0.5): RgbImage {
  checkRgbImage(photo, 'blendLabels');
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`blendLabels: alpha must be in [0, 1], got ${alpha}`);
  const { width: w, height: h } = photo;
  if (pred.length !== w * h) throw new Error(`blendLabels: prediction has ${pred.length} values, photo is ${w}x${h} = ${w * h}`);
  const out: RgbImage = { width: w, height: h, data: new Uint8Array(photo.data.length) };
  for (let p = 0; p < w * h; p++) {
    const col = colours[pred[p]];
    for (let c = 0; c < 3; c++) out.data[3 * p + c] = Math.round(photo.data[3 * p + c] * (1 - alpha) + col[c] * alpha);
  }
  return out;
}
