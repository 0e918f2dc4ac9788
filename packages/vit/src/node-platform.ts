// Node's file access for the path-taking conveniences; installed by importing the Node entry (index.ts).
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { setFilePlatform } from './platform.js';
import { loadClipWeights } from './weights.js';

setFilePlatform({
  readFile: async (p) => new Uint8Array(await readFile(p)),
  gunzip: (b) => new Uint8Array(gunzipSync(b)),
  loadClipWeights,
});
