import { readFile } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import type { RgbImage } from './types.js';
import { applyOrientation, exifOrientation } from './exif.js';
import { scanJpegHeader, threeComponentIsYcc, yccToRgbInPlace } from './jpeg-markers.js';
import { checkPixels, maxImagePixels, pngDeclaredSize } from './pixel-limit.js';

export interface DecodeOptions {
  /** Refuse images declaring more pixels (default $CLEARCLIP_MAX_IMAGE_PIXELS or Pillow's 178,956,970). */
  maxPixels?: number;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/**
 * Decodes a PNG or JPEG (sniffed by magic bytes, never by the name) to 8-bit RGB the way cv2.imread(IMREAD_COLOR)
 * does, since the upstream pipeline loads images with OpenCV: alpha and tRNS are dropped (not composited), grey
 * is replicated to three channels, 16-bit samples keep their high byte (libpng's strip_16), 1/2/4-bit grey is
 * scaled to 0..255, palettes are looked up, and a JPEG's EXIF orientation is applied.
 * JPEG pixels come from jpeg-js, whose IDCT/colour conversion can differ from libjpeg by a few levels.
 * `name` is only used in error messages.
 */
export function decodeImage(bytes: Uint8Array, name: string, opts: DecodeOptions = {}): RgbImage {
  const limit = maxImagePixels(opts.maxPixels);
  if (startsWith(bytes, PNG_MAGIC)) {
    // The declared size is checked before a single row is inflated.
    const size = pngDeclaredSize(bytes);
    if (size) checkPixels(size.width, size.height, name, limit);
    return wrap(name, 'PNG', () => decodePng(bytes));
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    const h = scanJpegHeader(bytes);
    checkPixels(h.width, h.height, name, limit);
    return wrap(name, 'JPEG', () => decodeJpeg(bytes, limit));
  }
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`cannot decode ${name}: not a PNG or JPEG (${bytes.length} bytes, starting ${head || '<empty>'})`);
}

export async function readImage(path: string, opts: DecodeOptions = {}): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    // Node's EISDIR/EACCES messages do not say which file.
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${path}: ${code === 'EISDIR' ? 'is a directory (EISDIR)' : code === 'ENOENT' ? 'no such file (ENOENT)' : (e as Error).message}`);
  }
  return decodeImage(new Uint8Array(bytes), path, opts);
}

function wrap(name: string, kind: string, f: () => RgbImage): RgbImage {
  try {
    return f();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`cannot decode ${name}: corrupt or truncated ${kind} (${msg})`);
  }
}

function decodeJpeg(bytes: Uint8Array, maxPixels: number): RgbImage {
  const header = scanJpegHeader(bytes);
  const ycc = header.componentIds.length === 3 && threeComponentIsYcc(header);
  // tolerantDecoding would silently return a partly grey image for a cut-off file; a CLI should say so instead.
  // 3-component YCbCr is converted here (libjpeg's rounding), everything else (grey, RGB, CMYK/YCCK) by jpeg-js.
  const d = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    tolerantDecoding: false,
    maxMemoryUsageInMB: 2048,
    maxResolutionInMP: maxPixels / 1e6, // jpeg-js's own check, in case the frame header lied to the scan above
    ...(header.componentIds.length === 3 ? { colorTransform: false } : {}),
  });
  if (!d.width || !d.height || d.data.length !== 3 * d.width * d.height) {
    throw new Error(`decoder returned ${d.width}x${d.height} with ${d.data.length} bytes`);
  }
  if (ycc) yccToRgbInPlace(d.data);
  return applyOrientation({ width: d.width, height: d.height, data: d.data }, exifOrientation(header.exif));
}

/**
 * pngjs zeroes every pixel that matches a tRNS colour (it composites onto transparent black); OpenCV keeps the
 * colour and drops the alpha. Removing tRNS chunks before parsing gives OpenCV's result for every colour type.
 */
function withoutTrns(bytes: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let i = 8;
  let removed = false;
  while (i + 12 <= bytes.length) {
    const len = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
    const type = String.fromCharCode(bytes[i + 4], bytes[i + 5], bytes[i + 6], bytes[i + 7]);
    const end = i + 12 + len;
    if (end > bytes.length) break; // truncated: leave the rest for pngjs to report
    if (type === 'tRNS') removed = true;
    else parts.push(bytes.subarray(i, end));
    i = end;
  }
  if (!removed) return bytes;
  parts.push(bytes.subarray(i));
  return Buffer.concat(parts);
}

function decodePng(bytes: Uint8Array): RgbImage {
  const buf = withoutTrns(bytes);
  const png = pngjs.PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), { skipRescale: true });
  const { width, height, depth, colorType } = png as unknown as { width: number; height: number; depth: number; colorType: number };
  // pngjs hands back RGBA (grey already replicated, palette already looked up) at the source depth.
  const src = png.data as unknown as ArrayLike<number>;
  const n = width * height;
  if (src.length !== 4 * n) throw new Error(`decoder returned ${src.length} samples for ${width}x${height}`);
  const out = new Uint8Array(3 * n);
  const paletted = colorType === 3;
  // libpng: strip_16 keeps the high byte; expand_gray_1_2_4_to_8 replicates bits, i.e. v * 255 / (2^depth - 1).
  const conv =
    depth === 16 ? (v: number) => v >> 8 : depth < 8 && !paletted ? (v: number) => (v * 255) / ((1 << depth) - 1) : (v: number) => v;
  for (let p = 0; p < n; p++) {
    out[3 * p] = conv(src[4 * p]);
    out[3 * p + 1] = conv(src[4 * p + 1]);
    out[3 * p + 2] = conv(src[4 * p + 2]);
  }
  return { width, height, data: out };
}
