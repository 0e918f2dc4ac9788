import { encodeGray16Png, encodeIndexPng } from '../eval/png-index.js';
import type { Rgb } from './palette.js';

/**
 * How the label map is stored. `palette`: an indexed PNG whose pixel values ARE the class indices and whose
 * palette holds the overlay's colours (the PASCAL VOC convention), so image viewers show colours and programs
 * (Pillow, MMSeg, this package's decodeIndexPng) read indices. `gray16`: 16-bit grayscale indices, for more than
 * 256 classes (no colours; the JSON lists them).
 */
export type LabelFormat = 'palette' | 'gray16';

export const LABEL_FORMATS: readonly LabelFormat[] = ['palette', 'gray16'];

/** palette while the classes fit 8 bits, else gray16. */
export function defaultLabelFormat(numClasses: number): LabelFormat {
  return numClasses <= 256 ? 'palette' : 'gray16';
}

/** The prediction [H, W] as PNG bytes holding one class index per pixel. */
export function encodeLabelPng(pred: Int32Array, width: number, height: number, colours: Rgb[], format: LabelFormat = defaultLabelFormat(colours.length)): Uint8Array {
  const n = width * height;
  if (pred.length !== n) throw new Error(`label PNG: prediction has ${pred.length} values, expected ${width}x${height} = ${n}`);
  for (let i = 0; i < n; i++) {
    if (!(pred[i] >= 0 && pred[i] < colours.length)) throw new Error(`label PNG: class ${pred[i]} at pixel ${i} is outside [0, ${colours.length})`);
  }
  if (format === 'gray16') return encodeGray16Png(width, height, pred);
  if (colours.length > 256) throw new Error(`label PNG: ${colours.length} classes do not fit a palette PNG (at most 256); use --label-format gray16`);
  return encodeIndexPng({ width, height, data: Uint8Array.from(pred) }, colours);
}
