import { ftfyUnescapeHtml } from './html.js';
import { cp1252Byte, cp1252Char } from './cp1252.js';

// The subset of ftfy 6.2 `fix_text` (default config) that OpenCLIP's tokenizer relies on. Implemented fully:
// the per-line segmentation and its sticky "a line contains '<', stop unescaping HTML" rule, the fix-until-stable
// loop, unescape_html, fix_c1_controls, fix_latin_ligatures, fix_character_width, uncurl_quotes,
// fix_line_breaks, fix_surrogates, remove_terminal_escapes, remove_control_chars and NFC.
// Simplified: fix_encoding (mojibake repair). ftfy gates it on a large "badness" heuristic and tries nine
// single-byte encodings; here only Latin-1/windows-1252 mojibake is repaired, without the heuristic: a segment that
// re-encodes entirely into valid UTF-8 holding a multi-byte sequence is decoded (after ftfy's restore_byte_a0),
// otherwise each run of well-formed UTF-8 sequences inside it is (like decode_inconsistent_utf8). Not attempted:
// the other code pages (1250/1251/1253/1254, ISO-8859-2, MacRoman, cp437) and replace_lossy_sequences.

const LIGATURES: Record<string, string> = {
  '\u0132': 'IJ', '\u0133': 'ij', '\u0149': '\u02bcn', '\u01f1': 'DZ', '\u01f2': 'Dz', '\u01f3': 'dz',
  '\u01c4': 'D\u017d', '\u01c5': 'D\u017e', '\u01c6': 'd\u017e', '\u01c7': 'LJ', '\u01c8': 'Lj', '\u01c9': 'lj',
  '\u01ca': 'NJ', '\u01cb': 'Nj', '\u01cc': 'nj', '\ufb00': 'ff', '\ufb01': 'fi', '\ufb02': 'fl', '\ufb03': 'ffi',
  '\ufb04': 'ffl', '\ufb05': '\u017ft', '\ufb06': 'st',
};
const LIGATURE_RE = new RegExp(`[${Object.keys(LIGATURES).join('')}]`, 'g');

/** Ideographic space -> ' ', and U+FF01..U+FFEF (full/half-width forms) -> their NFKC form where it differs. */
function fixCharacterWidth(text: string): string {
  return text.replace(/[\u3000\uff01-\uffef]/g, (c) => (c === '\u3000' ? ' ' : c.normalize('NFKC')));
}

function uncurlQuotes(text: string): string {
  return text.replace(/[\u201c-\u201f]/g, '"').replace(/[\u02bc\u2018-\u201b]/g, "'");
}

function fixLineBreaks(text: string): string {
  return text.replace(/\r\n|[\r\u2028\u2029\u0085]/g, '\n');
}

// Well-formed pairs are already single code points in a JS string; only lone halves remain to replace.
function fixSurrogates(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

function removeTerminalEscapes(text: string): string {
  return text.replace(/\x1b\[[\d;]*[a-zA-Z]/g, '');
}

// C0 controls other than \t \n \f \r, DEL, deprecated Arabic format controls, BOM, interlinear annotation, U+FFFC.
function removeControlChars(text: string): string {
  return text.replace(/[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g, '');
}

function fixC1Controls(text: string): string {
  return text.replace(/[\x80-\x9f]/g, (c) => cp1252Char(c.charCodeAt(0)));
}

const UTF8_SEQ = '[\\xc2-\\xdf][\\x80-\\xbf]|[\\xe0-\\xef][\\x80-\\xbf]{2}|[\\xf0-\\xf4][\\x80-\\xbf]{3}';
const UTF8_MULTIBYTE = new RegExp(UTF8_SEQ);
// A run right after a stray continuation byte is more likely real text than a split sequence (ftfy's lookbehind).
const UTF8_RUNS = new RegExp(`(?<![\\x80-\\xbf])(?:${UTF8_SEQ})+`, 'g');
// Byte patterns (over the re-encoded text) where a UTF-8 sequence probably had its 0xA0 byte turned into a space.
const ALTERED_UTF8 =
  /[\xc2\xc3\xc5\xce\xd0\xd9] |[\xe2\xe3] [\x80-\x84\x86-\x9f\xa1-\xbf]|[\xe0-\xe3][\x80-\x84\x86-\x9f\xa1-\xbf] |\xf0 [\x80-\xbf]{2}|\xf0[\x80-\xbf] [\x80-\xbf]|\xf0[\x80-\xbf]{2} /g;
const A_GRAVE_WORD = /\xc3 (?! |quele|quela|quilo|s )/g;
const NOT_ENCODABLE = '\uffff';
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Each UTF-16 unit as the Latin-1/windows-1252 byte it came from (as a char), or U+FFFF when it has none. */
function toByteString(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const cp = text.charCodeAt(i);
    // Latin-1 covers the C1 controls themselves, windows-1252 the punctuation that replaced them.
    const b = cp >= 0x80 && cp < 0xa0 ? cp : cp1252Byte(cp);
    out += b < 0 ? NOT_ENCODABLE : String.fromCharCode(b);
  }
  return out;
}

function decodeUtf8(byteString: string): string | null {
  const bytes = Uint8Array.from(byteString, (c) => c.charCodeAt(0));
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Undo UTF-8 that was decoded as Latin-1/windows-1252 (see the coverage note above): the whole segment when it
 * re-encodes and decodes cleanly (after restoring 0xA0 bytes that became spaces), else each run of
 * well-formed UTF-8 sequences inside it.
 */
function fixEncoding(text: string): string {
  for (let round = 0; round < 8; round++) {
    if (!/[^\x00-\x7f]/.test(text)) return text;
    const bin = toByteString(text);
    let fixed: string | null = null;
    if (!bin.includes(NOT_ENCODABLE)) {
      const restored = bin.replace(A_GRAVE_WORD, '\xc3\xa0 ').replace(ALTERED_UTF8, (m) => m.replace(/ /g, '\xa0'));
      if (UTF8_MULTIBYTE.test(restored)) fixed = decodeUtf8(restored);
    }
    if (fixed === null) {
      let out = '';
      let last = 0;
      for (const m of bin.matchAll(UTF8_RUNS)) {
        const piece = decodeUtf8(m[0]);
        if (piece === null) continue;
        out += text.slice(last, m.index) + piece;
        last = m.index! + m[0].length;
      }
      fixed = out + text.slice(last);
    }
    if (fixed === text) return text;
    text = fixed;
  }
  return text;
}

function fixSegment(text: string, unescapeHtml: boolean): string {
  for (;;) {
    const orig = text;
    if (unescapeHtml) text = ftfyUnescapeHtml(text);
    text = fixEncoding(text);
    text = fixC1Controls(text);
    text = text.replace(LIGATURE_RE, (c) => LIGATURES[c]);
    text = fixCharacterWidth(text);
    text = uncurlQuotes(text);
    text = fixLineBreaks(text);
    text = fixSurrogates(text);
    text = removeTerminalEscapes(text);
    text = removeControlChars(text);
    text = text.normalize('NFC');
    if (text === orig) return text;
  }
}

/** ftfy.fix_text with the default configuration (see the coverage note at the top of this file). */
export function fixText(text: string): string {
  const out: string[] = [];
  let unescapeHtml = true;
  let pos = 0;
  while (pos < text.length) {
    let brk = text.indexOf('\n', pos) + 1;
    if (brk === 0) brk = text.length;
    if (brk - pos > 1_000_000) brk = pos + 1_000_000;
    const segment = text.slice(pos, brk);
    // ftfy switches HTML unescaping off for this and every later line once a line holds a literal '<'.
    if (segment.includes('<')) unescapeHtml = false;
    out.push(fixSegment(segment, unescapeHtml));
    pos = brk;
  }
  return out.join('');
}
