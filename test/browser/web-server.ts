// One loopback server for the web-page test: the built page at / and a Hugging Face hub stand-in at /hub
// (`/hub/{repo}/resolve/{revision}/{file}`, the hub's URL scheme), serving files from memory or disk.
// Every hub request is recorded, so a test can tell whether a second visit touched the network.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.map': 'application/json', '.png': 'image/png', '.json': 'application/json' };

export interface WebServer {
  origin: string;
  endpoint: string;
  /** `{repo}/{file}` of every hub request, in order. */
  hubRequests: string[];
  close(): Promise<void>;
}

/** `repos`: repo -> file name -> a path on disk or the bytes themselves. */
export async function serveWebAndHub(staticDir: string, repos: Record<string, Record<string, string | Uint8Array>>): Promise<WebServer> {
  const hubRequests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    try {
      const hub = /^\/hub\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
      if (hub) {
        const [, repo, , file] = hub;
        hubRequests.push(`${repo}/${file}`);
        const src = repos[repo]?.[decodeURIComponent(file)];
        if (src === undefined) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
        const body = typeof src === 'string' ? await readFile(src) : src;
        return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length), etag: `"${body.length}"` }).end(body);
      }
      const rel = path.normalize(decodeURIComponent(url.pathname)).replace(/^\/+/, '') || 'index.html';
      const file = path.join(staticDir, rel);
      if (!file.startsWith(staticDir)) return void res.writeHead(403).end();
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    endpoint: `${origin}/hub`,
    hubRequests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
