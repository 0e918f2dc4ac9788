import { fixText } from './ftfy.js';
import { htmlUnescape } from './html.js';

// Python's str.isspace() set, which str.strip() uses: wider than JS \s by U+001C..U+001F, narrower by U+FEFF.
const PY_SPACE = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');
// OpenCLIP collapses runs with the `regex` module's \s, which is Unicode White_Space (no U+001C..U+001F).
const SPACE_RUN = /\p{White_Space}+/gu;

export function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

/**
 * OpenCLIP's clean='lower': ftfy.fix_text, html.unescape twice, strip, collapse whitespace runs to one space,
 * strip, lower().
 */
export function cleanText(text: string): string {
  const basic = pyStrip(htmlUnescape(htmlUnescape(fixText(text))));
  return pyStrip(basic.replace(SPACE_RUN, ' ')).toLowerCase();
}
