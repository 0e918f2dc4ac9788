import pngjs from 'pngjs';
import type { RgbImage } from '../image/types.js';
import { checkRgbImage } from '../image/types.js';

/** 8-bit RGB PNG bytes (colour type 2). */
export function encodePng(img: RgbImage): Uint8Array {
  checkRgbImage(img, 'encodePng');
  const png = new pngjs.PNG({ width: img.width, height: img.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return new Uint8Array(pngjs.PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}
