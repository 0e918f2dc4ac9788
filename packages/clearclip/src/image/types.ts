/** An 8-bit RGB image: interleaved R, G, B, row-major, `data.length === 3 * width * height`. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A zero-filled image; rejects sizes that are not positive integers so callers fail where the bad size arises. */
export function newRgbImage(width: number, height: number, what = 'image'): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${what}: size must be positive integers, got ${width}x${height}`);
  }
  return { width, height, data: new Uint8Array(3 * width * height) };
}

export function checkRgbImage(img: RgbImage, what: string): void {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`${what}: image size must be positive integers, got ${width}x${height}`);
  }
  if (data.length !== 3 * width * height) {
    throw new Error(`${what}: image data has ${data.length} bytes, expected 3*${width}*${height} = ${3 * width * height}`);
  }
}
