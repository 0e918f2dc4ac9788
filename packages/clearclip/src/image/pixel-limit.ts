/**
 * Decompression-bomb guard: an image's declared size is read from its header and refused above a pixel limit
 * before anything is decoded (a 1 MB PNG can declare 20000x20000 and cost gigabytes once decoded).
 */

/** Pillow's default: 2 x MAX_IMAGE_PIXELS (89,478,485), where Pillow raises DecompressionBombError. */
export const DEFAULT_MAX_IMAGE_PIXELS = 178_956_970;

export class ImageTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageTooLargeError';
  }
}

/** The limit to apply: an explicit one, else $CLEARCLIP_MAX_IMAGE_PIXELS, else Pillow's default. */
export function maxImagePixels(explicit?: number): number {
  if (explicit !== undefined) {
    if (!(Number.isFinite(explicit) && explicit > 0)) throw new Error(`maxPixels: expected a positive number, got ${explicit}`);
    return explicit;
  }
  const env = process.env.CLEARCLIP_MAX_IMAGE_PIXELS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!(Number.isFinite(n) && n > 0)) throw new Error(`CLEARCLIP_MAX_IMAGE_PIXELS: expected a positive number, got "${env}"`);
    return n;
  }
  return DEFAULT_MAX_IMAGE_PIXELS;
}

/** Width and height a PNG declares in its IHDR, or null when the header is not there to read. */
export function pngDeclaredSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 24) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]) !== 'IHDR') return null;
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

export function checkPixels(width: number, height: number, name: string, limit: number): void {
  if (width * height > limit) {
    throw new ImageTooLargeError(
      `${name}: declares ${width}x${height} = ${(width * height / 1e6).toFixed(1)} MP, above the limit of ${(limit / 1e6).toFixed(1)} MP (a decompression bomb?); raise it with maxPixels / CLEARCLIP_MAX_IMAGE_PIXELS if the image is genuine`,
    );
  }
}
