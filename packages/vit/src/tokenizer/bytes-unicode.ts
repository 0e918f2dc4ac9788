/**
 * GPT-2/CLIP's reversible byte -> printable character map: the printable Latin-1 bytes map to themselves, the
 * other 68 bytes (controls, space, 0x7f-0xa0, 0xad) to U+0100 upwards in byte order. Returned in the order the
 * vocabulary lists them (the printable bytes first, then the remapped ones).
 */
export function bytesToUnicode(): { byte: number; char: string }[] {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: { byte: number; char: string }[] = [];
  for (let b = 0; b < 256; b++) if (printable(b)) out.push({ byte: b, char: String.fromCharCode(b) });
  let n = 0;
  for (let b = 0; b < 256; b++) if (!printable(b)) out.push({ byte: b, char: String.fromCharCode(256 + n++) });
  return out;
}
