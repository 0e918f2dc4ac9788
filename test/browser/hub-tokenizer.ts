// The hub's vocab.json + merges.txt for CLIP, derived from OpenCLIP's bpe_simple_vocab_16e6.txt.gz: the same BPE
// (byte symbols, their </w> forms, the first 48894 merges, then the two special tokens), in the hub's spelling.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { bytesToUnicode } from '@clearclip/vit';

export function hubTokenizerFiles(bpeGz: string): { vocabJson: string; mergesTxt: string } {
  const lines = gunzipSync(readFileSync(bpeGz)).toString('utf8').split('\n');
  const merges = lines.slice(1, 49152 - 256 - 2 + 1);
  const symbols = bytesToUnicode().map((e) => e.char);
  const tokens = [...symbols, ...symbols.map((s) => s + '</w>'), ...merges.map((m) => m.split(' ').join('')), '<|startoftext|>', '<|endoftext|>'];
  const vocab: Record<string, number> = {};
  tokens.forEach((tok, i) => (vocab[tok] = i));
  return { vocabJson: JSON.stringify(vocab), mergesTxt: `#version: 0.2\n${merges.join('\n')}\n` };
}
