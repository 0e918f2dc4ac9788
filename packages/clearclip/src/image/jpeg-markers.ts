/** What libjpeg looks at before decoding to choose the colour space, and the EXIF block (for the orientation). */
export interface JpegHeader {
  /** Component identifiers from the SOFn frame header, in order. */
  componentIds: number[];
  jfif: boolean;
  /** The Adobe APP14 transform flag, or null without that marker. */
  adobeTransform: number | null;
  /** The TIFF structure after "Exif\0\0" in APP1, or null. */
  exif: Uint8Array | null;
  /** Frame size from the SOFn header (0 when there is none). */
  width: number;
  height: number;
}

/** Walks the markers up to the first scan. Never throws: a damaged header is left for the decoder to report. */
export function scanJpegHeader(bytes: Uint8Array): JpegHeader {
  const h: JpegHeader = { componentIds: [], jfif: false, adobeTransform: null, exif: null, width: 0, height: 0 };
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) break;
    const marker = bytes[i + 1];
    if (marker === 0xff) { i++; continue; } // fill byte
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }
    if (marker === 0xda || marker === 0xd9) break; // scan data starts
    const len = (bytes[i + 2] << 8) | bytes[i + 3];
    const seg = bytes.subarray(i + 4, Math.min(bytes.length, i + 2 + len));
    const tag = (n: number) => String.fromCharCode(...seg.subarray(0, n));
    if (marker === 0xe0 && seg.length >= 5 && tag(5) === 'JFIF\0') h.jfif = true;
    else if (marker === 0xe1 && seg.length >= 14 && tag(6) === 'Exif\0\0') h.exif ??= seg.subarray(6);
    else if (marker === 0xee && seg.length >= 12 && tag(5) === 'Adobe') h.adobeTransform = seg[11];
    else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc && seg.length >= 6) {
      h.height = (seg[1] << 8) | seg[2];
      h.width = (seg[3] << 8) | seg[4];
      const n = seg[5];
      for (let k = 0; k < n && 6 + 3 * k < seg.length; k++) h.componentIds.push(seg[6 + 3 * k]);
    }
    i += 2 + len;
  }
  return h;
}

/** libjpeg's guess (jdapimin.c default_decompress_parms) of whether a 3-component JPEG is YCbCr rather than RGB. */
export function threeComponentIsYcc(h: JpegHeader): boolean {
  if (h.jfif) return true;
  if (h.adobeTransform !== null) return h.adobeTransform !== 0;
  const [a, b, c] = h.componentIds;
  return !(a === 0x52 && b === 0x47 && c === 0x42); // 'R', 'G', 'B'
}

const FIX = (x: number) => Math.floor(x * 65536 + 0.5);
const CR_R = FIX(1.402);
const CB_G = FIX(0.34414);
const CR_G = FIX(0.71414);
const CB_B = FIX(1.772);

/**
 * YCbCr -> RGB in place with libjpeg's 16-bit fixed-point tables (jdcolor.c), which rounds differently from
 * jpeg-js's float conversion: on horses.jpg jpeg-js's own conversion is 0.3-0.5 levels low on average.
 */
export function yccToRgbInPlace(data: Uint8Array): void {
  const half = 1 << 15;
  for (let i = 0; i + 2 < data.length; i += 3) {
    const y = data[i];
    const cb = data[i + 1] - 128;
    const cr = data[i + 2] - 128;
    const r = y + ((CR_R * cr + half) >> 16);
    const g = y + ((-CB_G * cb - CR_G * cr + half) >> 16);
    const b = y + ((CB_B * cb + half) >> 16);
    data[i] = r < 0 ? 0 : r > 255 ? 255 : r;
    data[i + 1] = g < 0 ? 0 : g > 255 ? 255 : g;
    data[i + 2] = b < 0 ? 0 : b > 255 ? 255 : b;
  }
}
