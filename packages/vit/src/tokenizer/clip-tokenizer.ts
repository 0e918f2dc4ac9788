import { filePlatform } from '../platform.js';
import { bytesToUnicode } from './bytes-unicode.js';
import { cleanText } from './clean.js';

export const SOT_TOKEN = '<start_of_text>';
export const EOT_TOKEN = '<end_of_text>';
// The hub (Hugging Face) vocab.json spells the two special tokens differently; the ids are the same.
const HUB_SOT = '<|startoftext|>';
const HUB_EOT = '<|endoftext|>';
/** Merges OpenCLIP keeps from bpe_simple_vocab_16e6.txt.gz: lines [1, 49152-256-2+1). */
export const CLIP_MERGE_COUNT = 49152 - 256 - 2;

// Whitespace is Unicode White_Space (the `regex` module's \s), not JS \s, which also includes U+FEFF.
const SPLIT = /<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\p{White_Space}\p{L}\p{N}]+/giu;

/** OpenCLIP's SimpleTokenizer (clean='lower'): identical ids for identical text. */
export class ClipTokenizer {
  readonly sotId: number;
  readonly eotId: number;
  private readonly byteChar: string[] = new Array(256);
  private readonly cache = new Map<string, number[]>();
  private readonly utf8 = new TextEncoder();

  private constructor(
    private readonly encoder: Map<string, number>,
    private readonly ranks: Map<string, number>,
    sotId: number,
    eotId: number,
  ) {
    for (const { byte, char } of bytesToUnicode()) this.byteChar[byte] = char;
    this.sotId = sotId;
    this.eotId = eotId;
    this.cache.set(SOT_TOKEN, [sotId]);
    this.cache.set(EOT_TOKEN, [eotId]);
  }

  /** OpenCLIP's own vocabulary file; the vocabulary is rebuilt from the merges exactly as OpenCLIP does. */
  static async fromBpeGz(path: string): Promise<ClipTokenizer> {
    const fs = filePlatform('ClipTokenizer.fromBpeGz');
    return ClipTokenizer.fromBpeText(new TextDecoder().decode(fs.gunzip(await fs.readFile(path))), path);
  }

  /** The text of bpe_simple_vocab_16e6.txt (gunzipped); `path` names it in errors. Environment-neutral. */
  static fromBpeText(text: string, path = 'bpe_simple_vocab_16e6.txt'): ClipTokenizer {
    // The file holds ~262k merges of which OpenCLIP keeps the first 48894; split only that far.
    const lines: string[] = [];
    for (let pos = 0; lines.length < CLIP_MERGE_COUNT + 1; ) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) {
        throw new Error(`ClipTokenizer: ${path} has ${lines.length + 1} lines, expected at least ${CLIP_MERGE_COUNT + 1}`);
      }
      lines.push(text.slice(pos, nl));
      pos = nl + 1;
    }
    const merges = lines.slice(1, CLIP_MERGE_COUNT + 1).map((l, i) => parseMerge(l, path, i + 2));
    const symbols = bytesToUnicode().map((e) => e.char);
    const vocab = [...symbols, ...symbols.map((s) => s + '</w>'), ...merges.map(([a, b]) => a + b), SOT_TOKEN, EOT_TOKEN];
    // Later duplicates win, as with Python's dict(zip(vocab, range(...))).
    const encoder = new Map<string, number>();
    vocab.forEach((tok, i) => encoder.set(tok, i));
    return new ClipTokenizer(encoder, rankMap(merges), encoder.get(SOT_TOKEN)!, encoder.get(EOT_TOKEN)!);
  }

  /** Hugging Face format: vocab.json (token -> id) and merges.txt (optional `#version` line, then "a b" lines). */
  static async fromHubFiles(vocabJsonPath: string, mergesTxtPath: string): Promise<ClipTokenizer> {
    const fs = filePlatform('ClipTokenizer.fromHubFiles');
    const text = async (p: string) => new TextDecoder().decode(await fs.readFile(p));
    return ClipTokenizer.fromHubText(await text(vocabJsonPath), await text(mergesTxtPath), vocabJsonPath, mergesTxtPath);
  }

  /** The hub's vocab.json and merges.txt as text (fetched in a browser); the names label errors. Environment-neutral. */
  static fromHubText(vocabJson: string, mergesTxt: string, vocabJsonPath = 'vocab.json', mergesTxtPath = 'merges.txt'): ClipTokenizer {
    let json: unknown;
    try {
      json = JSON.parse(vocabJson);
    } catch (e) {
      throw new Error(`ClipTokenizer: ${vocabJsonPath} is not valid JSON (${(e as Error).message})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new Error(`ClipTokenizer: ${vocabJsonPath} must be a JSON object of token -> id`);
    }
    const encoder = new Map<string, number>();
    for (const [tok, id] of Object.entries(json)) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
        throw new Error(`ClipTokenizer: ${vocabJsonPath}: id of token ${JSON.stringify(tok)} must be a non-negative integer, got ${JSON.stringify(id)}`);
      }
      encoder.set(tok, id);
    }
    const lines = mergesTxt.split('\n');
    const merges: [string, string][] = [];
    lines.forEach((l, i) => {
      if ((i === 0 && l.startsWith('#version')) || l.trim() === '') return;
      merges.push(parseMerge(l, mergesTxtPath, i + 1));
    });
    for (const sym of bytesToUnicode()) {
      for (const tok of [sym.char, sym.char + '</w>']) {
        if (!encoder.has(tok)) throw new Error(`ClipTokenizer: ${vocabJsonPath} lacks the byte token ${JSON.stringify(tok)}`);
      }
    }
    merges.forEach(([a, b], i) => {
      if (!encoder.has(a + b)) throw new Error(`ClipTokenizer: ${vocabJsonPath} lacks ${JSON.stringify(a + b)}, made by merge ${i + 1} of ${mergesTxtPath}`);
    });
    const sot = encoder.get(HUB_SOT) ?? encoder.get(SOT_TOKEN);
    const eot = encoder.get(HUB_EOT) ?? encoder.get(EOT_TOKEN);
    if (sot === undefined || eot === undefined) {
      throw new Error(`ClipTokenizer: ${vocabJsonPath} lacks the special tokens ${HUB_SOT} / ${HUB_EOT}`);
    }
    encoder.set(SOT_TOKEN, sot);
    encoder.set(EOT_TOKEN, eot);
    return new ClipTokenizer(encoder, rankMap(merges), sot, eot);
  }

  /** BPE ids of the cleaned text, without start/end tokens. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const m of cleanText(text).matchAll(SPLIT)) ids.push(...this.wordIds(m[0]));
    return ids;
  }

  /**
   * One row of `contextLength` per text: [sot, ...bpe, eot, 0...]. A row that would be longer is cut to
   * `contextLength` and its last id replaced by eot, as OpenCLIP does.
   */
  tokenize(texts: string[], contextLength = 77): Int32Array {
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new Error(`ClipTokenizer.tokenize: contextLength must be an integer >= 2, got ${contextLength}`);
    }
    const out = new Int32Array(texts.length * contextLength);
    texts.forEach((text, r) => {
      let row = [this.sotId, ...this.encode(text), this.eotId];
      if (row.length > contextLength) {
        row = row.slice(0, contextLength);
        row[contextLength - 1] = this.eotId;
      }
      out.set(row, r * contextLength);
    });
    return out;
  }

  private wordIds(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    let mapped = '';
    for (const b of this.utf8.encode(word)) mapped += this.byteChar[b];
    const ids = this.bpe(mapped).map((tok) => {
      const id = this.encoder.get(tok);
      if (id === undefined) throw new Error(`ClipTokenizer: BPE produced ${JSON.stringify(tok)}, which is not in the vocabulary`);
      return id;
    });
    this.cache.set(word, ids);
    return ids;
  }

  /** Merge the lowest-ranked adjacent pair (all its non-overlapping occurrences, left to right) until none is ranked. */
  private bpe(token: string): string[] {
    const chars = Array.from(token);
    let word = [...chars.slice(0, -1), chars[chars.length - 1] + '</w>'];
    while (word.length > 1) {
      let best = Infinity;
      let first = '';
      let second = '';
      for (let i = 0; i < word.length - 1; i++) {
        const r = this.ranks.get(word[i] + ' ' + word[i + 1]);
        if (r !== undefined && r < best) [best, first, second] = [r, word[i], word[i + 1]];
      }
      if (best === Infinity) break;
      const next: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          next.push(first + second);
          i += 2;
        } else {
          next.push(word[i]);
          i += 1;
        }
      }
      word = next;
    }
    return word;
  }
}

function parseMerge(line: string, path: string, lineNo: number): [string, string] {
  const parts = line.split(' ');
  if (parts.length !== 2) parts.splice(0, parts.length, ...line.trim().split(/\s+/));
  if (parts.length !== 2) throw new Error(`ClipTokenizer: ${path} line ${lineNo} is not a merge "a b": ${JSON.stringify(line)}`);
  return [parts[0], parts[1]];
}

function rankMap(merges: [string, string][]): Map<string, number> {
  const ranks = new Map<string, number>();
  merges.forEach(([a, b], i) => ranks.set(a + ' ' + b, i));
  return ranks;
}
