export { ClipTokenizer, SOT_TOKEN, EOT_TOKEN, CLIP_MERGE_COUNT } from './clip-tokenizer.js';
export { cleanText } from './clean.js';
export { fixText } from './ftfy.js';
export { htmlUnescape, ftfyUnescapeHtml } from './html.js';
export { bytesToUnicode } from './bytes-unicode.js';
