// Windows-1252 bytes 0x80-0x9f (the only range where it differs from Latin-1). The five bytes 1252 leaves
// undefined (0x81, 0x8d, 0x8f, 0x90, 0x9d) map to the C1 control of the same number, as in ftfy's
// "sloppy-windows-1252" and in browsers.
const HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/** The character a sloppy-windows-1252 byte decodes to. */
export function cp1252Char(byte: number): string {
  return String.fromCharCode(byte >= 0x80 && byte < 0xa0 ? HIGH[byte - 0x80] : byte);
}

let encodeMap: Map<number, number> | null = null;

/** The sloppy-windows-1252 byte of a code point, or -1 when it has none. */
export function cp1252Byte(cp: number): number {
  if (cp < 0x80 || (cp >= 0xa0 && cp <= 0xff)) return cp;
  if (!encodeMap) {
    encodeMap = new Map();
    HIGH.forEach((c, i) => encodeMap!.set(c, 0x80 + i));
  }
  return encodeMap.get(cp) ?? -1;
}
