import type { RgbImage } from '../image/types.js';
import { newRgbImage } from '../image/types.js';
import type { Rgb } from './palette.js';

function checkPred(pred: Int32Array, n: number, numClasses: number, what: string): void {
  if (pred.length !== n) throw new Error(`${what}: prediction has ${pred.length} values, expected ${n}`);
  for (let i = 0; i < n; i++) {
    const c = pred[i];
    if (c < 0 || c >= numClasses) throw new Error(`${what}: class ${c} at pixel ${i} is outside [0, ${numClasses})`);
  }
}

/** The prediction [H, W] as an image of class colours. */
export function labelImage(pred: Int32Array, width: number, height: number, colours: Rgb[]): RgbImage {
  const img = newRgbImage(width, height, 'labelImage');
  checkPred(pred, width * height, colours.length, `labelImage (${width}x${height}, ${colours.length} colours)`);
  for (let i = 0; i < pred.length; i++) img.data.set(colours[pred[i]], 3 * i);
  return img;
}

/** Fraction of pixels per class (sums to 1 for a non-empty prediction). */
export function classShares(pred: Int32Array, numClasses: number): number[] {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`classShares: numClasses must be a positive integer, got ${numClasses}`);
  checkPred(pred, pred.length, numClasses, 'classShares');
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < pred.length; i++) counts[pred[i]]++;
  return counts.map((c) => (pred.length ? c / pred.length : 0));
}
