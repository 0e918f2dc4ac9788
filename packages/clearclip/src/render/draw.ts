import type { RgbImage } from '../image/types.js';
import type { Rgb } from './palette.js';

/** Fills [x, x+w) x [y, y+h) clipped to the image; opacity blends over what is there. */
export function fillRect(img: RgbImage, x: number, y: number, w: number, h: number, colour: Rgb, opacity = 1): void {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(img.width, x + w);
  const y1 = Math.min(img.height, y + h);
  for (let yy = y0; yy < y1; yy++) {
    for (let xx = x0; xx < x1; xx++) {
      const i = 3 * (yy * img.width + xx);
      for (let c = 0; c < 3; c++) img.data[i + c] = Math.round(img.data[i + c] * (1 - opacity) + colour[c] * opacity);
    }
  }
}
