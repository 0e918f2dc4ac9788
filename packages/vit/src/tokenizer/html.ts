import { HTML5_ENTITIES_PACKED } from './html-entities-data.js';
import { cp1252Char } from './cp1252.js';

let table: Map<string, string> | null = null;

/** Entity name (without '&', with ';' where the spec has it) -> replacement text. */
export function html5Entities(): Map<string, string> {
  if (!table) {
    table = new Map();
    for (const item of HTML5_ENTITIES_PACKED.split(' ')) {
      const colon = item.lastIndexOf(':');
      const cps = item.slice(colon + 1).split('.').map((h) => parseInt(h, 16));
      table.set(item.slice(0, colon), String.fromCodePoint(...cps));
    }
  }
  return table;
}

function isNoncharacterOrControl(n: number): boolean {
  return (
    (n >= 0x1 && n <= 0x8) || n === 0xb || (n >= 0xe && n <= 0x1f) || (n >= 0x7f && n <= 0x9f) ||
    (n >= 0xfdd0 && n <= 0xfdef) || (n & 0xfffe) === 0xfffe
  );
}

function numericRef(digits: string, hex: boolean): string {
  const n = parseInt(digits, hex ? 16 : 10);
  // The HTML5 parse-error fallbacks Python applies: NUL -> U+FFFD, CR kept, 0x80-0x9f read as windows-1252.
  if (n === 0) return '\ufffd';
  if (n === 0x0d) return '\r';
  if (n >= 0x80 && n <= 0x9f) return cp1252Char(n);
  if ((n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff) return '\ufffd';
  if (isNoncharacterOrControl(n)) return '';
  return String.fromCodePoint(n);
}

const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;

/**
 * Python's `html.unescape`: numeric references (decimal/hex, ';' optional, with the HTML5 error fallbacks) and
 * all 2231 HTML5 named references; a name that is not an entity decodes its longest known prefix, which is how
 * legacy forms like `&ampx` become `&x`.
 */
export function htmlUnescape(s: string): string {
  if (!s.includes('&')) return s;
  const ents = html5Entities();
  return s.replace(CHARREF, (whole, ref: string) => {
    if (ref[0] === '#') {
      const hex = ref[1] === 'x' || ref[1] === 'X';
      return numericRef(ref.slice(hex ? 2 : 1).replace(/;$/, ''), hex);
    }
    const direct = ents.get(ref);
    if (direct !== undefined) return direct;
    for (let x = ref.length - 1; x > 1; x--) {
      const hit = ents.get(ref.slice(0, x));
      if (hit !== undefined) return hit + ref.slice(x);
    }
    return whole;
  });
}

let ftfyTable: Map<string, string> | null = null;

/** ftfy's entity table: only names ending in ';', plus ALL-CAPS forms of lowercase names that mean nothing else. */
function ftfyEntities(): Map<string, string> {
  if (!ftfyTable) {
    ftfyTable = new Map();
    for (const [name, ch] of html5Entities()) {
      if (!name.endsWith(';')) continue;
      ftfyTable.set('&' + name, ch);
      if (name === name.toLowerCase()) {
        const upper = '&' + name.toUpperCase();
        if (htmlUnescape(upper) === upper) ftfyTable.set(upper, ch.toUpperCase());
      }
    }
  }
  return ftfyTable;
}

/**
 * ftfy's cautious `unescape_html`: only `&name;` forms with the semicolon (so "this&not that" survives), numeric
 * references unless they decode to something containing ';'.
 */
export function ftfyUnescapeHtml(text: string): string {
  if (!text.includes('&')) return text;
  const ents = ftfyEntities();
  return text.replace(/&#?[0-9A-Za-z]{1,24};/g, (m) => {
    const hit = ents.get(m);
    if (hit !== undefined) return hit;
    if (m.startsWith('&#')) {
      const u = htmlUnescape(m);
      return u.includes(';') ? m : u;
    }
    return m;
  });
}
