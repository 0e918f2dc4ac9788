#!/usr/bin/env node
// `npm run web`: builds the page and serves it on http://127.0.0.1:8080 (PORT=...). 127.0.0.1 and localhost are
// secure contexts, which WebGPU and Cache Storage require; a public host needs https.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildWeb } from './web-build.mjs';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.map': 'application/json', '.png': 'image/png', '.css': 'text/css' };

const dir = await buildWeb();
const port = Number(process.env.PORT ?? 8080);
createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const rel = path.normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '') || 'index.html';
  const file = path.join(dir, rel);
  if (!file.startsWith(dir)) return res.writeHead(403).end();
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end('not found');
  }
}).listen(port, '127.0.0.1', () => console.log(`ClearCLIP page: http://127.0.0.1:${port}/  (Ctrl-C to stop)`));
