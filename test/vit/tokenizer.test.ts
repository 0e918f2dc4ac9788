import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ClipTokenizer, cleanText, fixText } from '@clearclip/vit';
import { SafetensorsFile } from '@clearclip/tensor/safetensors';
import { requireShared } from '../helpers/fixtures.js';
import { rng } from '../helpers/random.js';

const CTX = 77;

/** A string quoted with everything outside printable ASCII escaped, so test names cannot break the TAP stream. */
function q(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** The first row and column where two [rows, 77] id tables differ, or null. */
function firstDiff(got: Int32Array, want: Int32Array): { row: number; col: number } | null {
  for (let i = 0; i < Math.max(got.length, want.length); i++) {
    if (got[i] !== want[i]) return { row: Math.floor(i / CTX), col: i % CTX };
  }
  return null;
}

async function loadFixture(t: Test) {
  const gz = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  const ref = requireShared(t, 'fixtures', 'clip-tiny-b16', 'reference.safetensors');
  const settings = requireShared(t, 'fixtures', 'clip-tiny-b16', 'settings.json');
  if (!gz || !ref || !settings) return null;
  const s = JSON.parse(readFileSync(settings, 'utf8')) as { tokenizer: { strings: string[] }; text_tower: { prompts: string[] } };
  const f = await SafetensorsFile.open(ref);
  const tokensIds = await f.readInt32('tokens.ids');
  const textIds = await f.readInt32('text.ids');
  await f.close();
  return { gz, strings: s.tokenizer.strings, prompts: s.text_tower.prompts, tokensIds, textIds };
}

t.test('ids match OpenCLIP exactly for every fixture string (tokens.ids, text.ids)', async (t) => {
  const fx = await loadFixture(t);
  if (!fx) return;
  const t0 = performance.now();
  const tok = await ClipTokenizer.fromBpeGz(fx.gz);
  const t1 = performance.now();
  t.equal(tok.sotId, 49406);
  t.equal(tok.eotId, 49407);
  for (const [name, texts, want] of [['tokens.ids', fx.strings, fx.tokensIds], ['text.ids', fx.prompts, fx.textIds]] as const) {
    t.equal(want.length, texts.length * CTX, `${name} has one row of ${CTX} per string`);
    const got = tok.tokenize([...texts]);
    const d = firstDiff(got, want);
    const detail = d
      ? `first difference at row ${d.row} position ${d.col} for ${q(texts[d.row])}:\n` +
        `  got  ${Array.from(got.subarray(d.row * CTX, d.row * CTX + CTX)).join(',')}\n` +
        `  want ${Array.from(want.subarray(d.row * CTX, d.row * CTX + CTX)).join(',')}`
      : `${texts.length} rows identical`;
    t.ok(d === null, `${name}: ${detail}`);
  }
  t.comment(`load ${(t1 - t0).toFixed(0)} ms, tokenize ${(performance.now() - t1).toFixed(0)} ms`);
});

t.test('row layout: sot, bpe, eot, zero padding; truncation keeps 75 bpe ids and ends with eot', async (t) => {
  const fx = await loadFixture(t);
  if (!fx) return;
  const tok = await ClipTokenizer.fromBpeGz(fx.gz);
  const short = 'a photo of a horse.';
  const bpe = tok.encode(short);
  t.same(Array.from(tok.tokenize([short])), [tok.sotId, ...bpe, tok.eotId, ...new Array(CTX - bpe.length - 2).fill(0)]);
  const long = Array(100).fill('horse').join(' ');
  const longBpe = tok.encode(long);
  t.ok(longBpe.length > CTX, 'the long text really overflows');
  t.same(Array.from(tok.tokenize([long])), [tok.sotId, ...longBpe.slice(0, CTX - 2), tok.eotId]);
  t.same(Array.from(tok.tokenize(['', ' \t\n '])), [tok.sotId, tok.eotId, ...new Array(CTX - 2).fill(0), tok.sotId, tok.eotId, ...new Array(CTX - 2).fill(0)]);
  t.same(Array.from(tok.tokenize([short], 5)), [tok.sotId, ...bpe.slice(0, 3), tok.eotId], 'a custom context length truncates the same way');
  // Literal special tokens (any case, since the text is lowered first) become the special ids.
  t.same(tok.encode('a <END_OF_TEXT> b <start_of_text>'), [...tok.encode('a'), tok.eotId, ...tok.encode('b'), tok.sotId]);
  t.same(tok.encode("'single'"), [...tok.encode("'s"), ...tok.encode('ingle'), ...tok.encode("'")], "'single' splits as 's ingle '");
  t.same(tok.encode('2024'), [...tok.encode('2'), ...tok.encode('0'), ...tok.encode('2'), ...tok.encode('4')], 'every digit is its own token');
  t.throws(() => tok.tokenize(['x'], 1), /contextLength must be an integer >= 2/);
});

/** GPT-2's byte -> character table, restated here so the hub files below do not depend on the code under test. */
function byteSymbols(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
  return cs.map((c) => String.fromCharCode(c));
}

t.test('hub files (vocab.json + merges.txt) built from the first merges of the gz', async (t) => {
  const fx = await loadFixture(t);
  if (!fx) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'clearclip-tok-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const N = 4000;
  const merges = gunzipSync(readFileSync(fx.gz)).toString('utf8').split('\n').slice(1, N + 1);
  const symbols = byteSymbols();
  const tokens = [...symbols, ...symbols.map((s) => s + '</w>'), ...merges.map((m) => m.split(' ').join(''))];
  const writeHub = (name: string, ids: number[]): { vocab: string; merges: string } => {
    const vocab: Record<string, number> = {};
    tokens.forEach((tok, i) => (vocab[tok] = ids[i]));
    vocab['<|startoftext|>'] = ids[tokens.length];
    vocab['<|endoftext|>'] = ids[tokens.length + 1];
    const v = path.join(dir, `${name}-vocab.json`);
    const m = path.join(dir, `${name}-merges.txt`);
    writeFileSync(v, JSON.stringify(vocab));
    writeFileSync(m, '#version: 0.2\n' + merges.join('\n') + '\n');
    return { vocab: v, merges: m };
  };
  const identity = Array.from({ length: tokens.length + 2 }, (_, i) => i);
  const plain = writeHub('plain', identity);
  const hub = await ClipTokenizer.fromHubFiles(plain.vocab, plain.merges);
  t.equal(hub.sotId, tokens.length);
  t.equal(hub.eotId, tokens.length + 1);

  // BPE applies merges in increasing rank, so a word whose full-vocabulary tokens all come from the first N
  // merges tokenises identically with only those N merges.
  const full = await ClipTokenizer.fromBpeGz(fx.gz);
  const words = [...new Set(fx.strings.flatMap((s) => s.split(/\s+/)).filter((w) => w))];
  let compared = 0;
  let mismatched = 0;
  for (const w of words) {
    const want = full.encode(w);
    if (want.some((id) => id >= tokens.length)) continue;
    compared++;
    if (JSON.stringify(hub.encode(w)) !== JSON.stringify(want)) {
      mismatched++;
      t.fail(`hub ids for ${q(w)}: ${hub.encode(w)} != ${want}`);
    }
  }
  t.equal(mismatched, 0, `${compared} of ${words.length} fixture words use only the first ${N} merges; all agree`);
  t.ok(compared >= 50, `enough words compared (${compared})`);

  // Ids come from vocab.json, not from positions: shuffle them and the output follows the permutation.
  const r = rng(7);
  const perm = identity.slice();
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const shuffled = writeHub('shuffled', perm);
  const hubPerm = await ClipTokenizer.fromHubFiles(shuffled.vocab, shuffled.merges);
  t.equal(hubPerm.sotId, perm[tokens.length]);
  for (const s of fx.strings.slice(85)) t.same(hubPerm.encode(s), hub.encode(s).map((id) => perm[id]), `permuted ids for ${q(s.slice(0, 40))}`);

  const badMerges = path.join(dir, 'bad-merges.txt');
  writeFileSync(badMerges, '#version: 0.2\n' + merges.slice(0, 10).join('\n') + '\nzq xj\n');
  await t.rejects(ClipTokenizer.fromHubFiles(plain.vocab, badMerges), /plain-vocab\.json lacks "zqxj", made by merge 11 of .*bad-merges\.txt/);
  const noSpecial = path.join(dir, 'nospecial-vocab.json');
  const v = JSON.parse(readFileSync(plain.vocab, 'utf8'));
  delete v['<|endoftext|>'];
  writeFileSync(noSpecial, JSON.stringify(v));
  await t.rejects(ClipTokenizer.fromHubFiles(noSpecial, plain.merges), /nospecial-vocab\.json lacks the special tokens/);
  writeFileSync(noSpecial, '{"a": "x"}');
  await t.rejects(ClipTokenizer.fromHubFiles(noSpecial, plain.merges), /nospecial-vocab\.json: id of token "a" must be a non-negative integer/);
});

// [input, ftfy.fix_text(input), OpenCLIP clean='lower'(input)]. Expected values were produced outside this repo
// by Python 3.11 running ftfy 6.2.0 (the fixture's version) and html.unescape, with OpenCLIP's cleaning steps.
const CLEANING: [string, string, string][] = [
  ["salt &amp; pepper", "salt & pepper", "salt & pepper"],
  ["&amp;amp;amp;amp;", "&", "&"],
  ["<b>&amp;</b>", "<b>&amp;</b>", "<b>&</b>"],
  ["line1 &amp;\nline2 <x> &amp;\nline3 &amp;", "line1 &\nline2 <x> &amp;\nline3 &amp;", "line1 & line2 <x> & line3 &"],
  ["this&not that", "this&not that", "this\u00ac that"],
  ["&ampx &amp x &AMP; &EACUTE; &SZLIG; &nTILDE; &Ntilde;", "&ampx &amp x & \u00c9 SS &nTILDE; \u00d1", "&x & x & \u00e9 ss &ntilde; \u00f1"],
  ["&#59; &#x3b; &#0; &#x80; &#128; &#150; &#x9d;", "&#59; &#x3b; \ufffd \u20ac \u20ac \u2013 \u009d", "; ; \ufffd \u20ac \u20ac \u2013 \u009d"],
  ["&#13; &#x7f; &#xfdd0; &#xffff; &#x10ffff; &#x110000; &#99999999999; &#xD800;", "\n     \ufffd \ufffd \ufffd", "\ufffd \ufffd \ufffd"],
  ["&#65 &#x41 &#65;", "&#65 &#x41 A", "a a a"],
  ["&hellip; &nbsp;x&nbsp; &copy &reg; &frac12;", "\u2026 \u00a0x\u00a0 &copy \u00ae \u00bd", "\u2026 x \u00a9 \u00ae \u00bd"],
  ["&notit; &notin; &not; &notx", "&notit; \u2209 \u00ac &notx", "\u00acit; \u2209 \u00ac \u00acx"],
  ["&acE; &NotEqualTilde;", "\u223e\u0333 \u2242\u0338", "\u223e\u0333 \u2242\u0338"],
  ["don\u2019t \u201ccurly\u201d \u2018single\u2019 \u201alow\u201e \u02bcmod \u201brev\u201f", "don't \"curly\" 'single' 'low\" 'mod 'rev\"", "don't \"curly\" 'single' 'low\" 'mod 'rev\""],
  ["'single' quoted", "'single' quoted", "'single' quoted"],
  ["\ufb01 \ufb02 \ufb00 \ufb03 \ufb04 \ufb05 \ufb06 \u0132 \u0133 \u0149 \u01c4 \u01c5 \u01c6 \u01c7 \u01c8 \u01c9 \u01ca \u01cb \u01cc \u01f1 \u01f2 \u01f3", "fi fl ff ffi ffl \u017ft st IJ ij 'n D\u017d D\u017e d\u017e LJ Lj lj NJ Nj nj DZ Dz dz", "fi fl ff ffi ffl \u017ft st ij ij 'n d\u017e d\u017e d\u017e lj lj lj nj nj nj dz dz dz"],
  ["\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33 \uff76\uff80\uff76\uff85 \uff9f \uffe0 \uffe1 \uffe5 \uffe6 \uff61", "LOUD NOISES \u30ab\u30bf\u30ab\u30ca \u309a \u00a2 \u00a3 \u00a5 \u20a9 \u3002", "loud noises \u30ab\u30bf\u30ab\u30ca \u309a \u00a2 \u00a3 \u00a5 \u20a9 \u3002"],
  ["cafe\u0301 n\u0303", "caf\u00e9 \u00f1", "caf\u00e9 \u00f1"],
  ["caf\u00c3\u00a9 d\u00c3\u00a9j\u00c3  vu", "caf\u00e9 d\u00e9j\u00e0 vu", "caf\u00e9 d\u00e9j\u00e0 vu"],
  ["\u00e2\u0153\u201d No problems", "\u2714 No problems", "\u2714 no problems"],
  ["\u0080 \u0085 \u0091hi\u0092 \u009d", "\u20ac \u2026 'hi' \u009d", "\u20ac \u2026 'hi' \u009d"],
  ["\u001b[36;44mblue\u001b[0m", "blue", "blue"],
  ["a\u0000b\u0007c\u000bd\u001fe\u007ff\ufeffg\u206ah\ufffci", "abcdefghi", "abcdefghi"],
  ["tab\tnl\nvt\u000bff\fcr\rfs\u001cgs\u001dus\u001f\u0085nel\u00a0nbsp\u2000en\u3000ideo\u2028ls\u2029ps\u202f\u205f end", "tab\tnl\nvtff\fcr\nfsgsus\u2026nel\u00a0nbsp\u2002en ideo\nls\nps\u202f\u205f end", "tab nl vtff cr fsgsus\u2026nel nbsp en ideo ls ps end"],
  ["&#xfeff;bom&#xfeff;", "bom", "bom"],
  ["\u0130stanbul \u039f\u0394\u039f\u03a3 \u03a3\u0391\u03a3 Stra\u00dfe \u01c5", "\u0130stanbul \u039f\u0394\u039f\u03a3 \u03a3\u0391\u03a3 Stra\u00dfe D\u017e", "i\u0307stanbul \u03bf\u03b4\u03bf\u03c2 \u03c3\u03b1\u03c2 stra\u00dfe d\u017e"],
  ["mixed \u6771\u4eac caf\u00c3\u00a9", "mixed \u6771\u4eac caf\u00e9", "mixed \u6771\u4eac caf\u00e9"],
  ["\u00bd\u00c3\u00bd", "\u00bd\u00c3\u00bd", "\u00bd\u00e3\u00bd"],
  ["A&amp;B<C", "A&amp;B<C", "a&b<c"],
  ["&amp;lt;b&amp;gt;", "<b>", "<b>"],
  ["&THORN;&thorn;&Thorn;", "\u00de\u00fe&Thorn;", "\u00fe\u00fe&thorn;"],
  ["\udcff", "\ufffd", "\ufffd"],
  ["3\u00d7\u00b2 = 9", "3\u05f2 = 9", "3\u05f2 = 9"],
];

t.test('cleaning matches ftfy 6.2.0 + html.unescape + OpenCLIP whitespace/lower rules', async (t) => {
  for (const [input, fixed, cleaned] of CLEANING) {
    t.equal(fixText(input), fixed, `fix_text ${q(input)}`);
    t.equal(cleanText(input), cleaned, `clean ${q(input)}`);
  }
});
