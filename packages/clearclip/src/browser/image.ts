import type { RgbImage } from '../image/types.js';

/** RGBA pixels (ImageData, a canvas read-back) -> the library's RGB image; alpha is dropped as the Node decoder does. */
export function rgbFromRgba(data: Uint8ClampedArray | Uint8Array, width: number, height: number): RgbImage {
  if (data.length !== width * height * 4) throw new Error(`rgbFromRgba: ${data.length} bytes for ${width}x${height} RGBA`);
  const out = new Uint8Array(width * height * 3);
  for (let p = 0, q = 0; p < out.length; p += 3, q += 4) {
    out[p] = data[q];
    out[p + 1] = data[q + 1];
    out[p + 2] = data[q + 2];
  }
  return { width, height, data: out };
}

export function rgbFromImageData(img: ImageData): RgbImage {
  return rgbFromRgba(img.data, img.width, img.height);
}

/** An ImageBitmap drawn 1:1 on an OffscreenCanvas and read back (works in a worker). */
export function rgbFromBitmap(bmp: ImageBitmap): RgbImage {
  const canvas = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('rgbFromBitmap: no 2D canvas context');
  ctx.drawImage(bmp, 0, 0);
  return rgbFromImageData(ctx.getImageData(0, 0, bmp.width, bmp.height));
}

/**
 * A PNG/JPEG/WebP Blob decoded by the browser. No colour-space conversion and no premultiplication, so a PNG gives
 * the bytes the Node decoder (pngjs) gives; EXIF orientation is applied, as the Node decoder does.
 */
export async function decodeBlob(blob: Blob): Promise<RgbImage> {
  const bmp = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'from-image' });
  try {
    return rgbFromBitmap(bmp);
  } finally {
    bmp.close();
  }
}

/** Any of the browser's image inputs as an RgbImage. */
export async function toRgbImage(image: RgbImage | ImageData | ImageBitmap | Blob): Promise<RgbImage> {
  if (typeof Blob !== 'undefined' && image instanceof Blob) return decodeBlob(image);
  if (typeof ImageBitmap !== 'undefined' && image instanceof ImageBitmap) return rgbFromBitmap(image);
  if (typeof ImageData !== 'undefined' && image instanceof ImageData) return rgbFromImageData(image);
  return image as RgbImage;
}
