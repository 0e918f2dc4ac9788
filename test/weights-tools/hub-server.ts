/**
 * A loopback stand-in for the Hugging Face hub (127.0.0.1, port 0) with the behaviour downloadModel relies on:
 * /<repo>/resolve/<rev>/<file>; LFS files answer with a redirect to /cdn/<sha256> carrying X-Linked-Etag,
 * X-Linked-Size and X-Repo-Commit; the CDN honours Range. Faults are injectable per test.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface HubFile {
  data: Uint8Array;
  lfs: boolean;
}

export interface HubServerOptions {
  repos: Record<string, Record<string, HubFile>>;
  commit?: string;
  /** Cut the connection after this many body bytes, for the first `cutTimes` CDN GETs. */
  cutAt?: number;
  cutTimes?: number;
  /** Advertise this sha256 instead of the real one. */
  fakeSha?: string;
  /** Send this as X-Repo-Commit instead of `commit` (a hostile hub). */
  commitHeader?: string;
  /** Redirect LFS files to this origin's /cdn/ (another server) instead of our own. */
  cdnOrigin?: string;
  /** Accept connections and never answer. */
  silent?: boolean;
  /** GETs of bodies longer than this send this many bytes, then stall without ending. */
  stallAt?: number;
}

export interface HubServer {
  endpoint: string;
  requests: { method: string; url: string; range: string | undefined; authorization: string | undefined; at: number }[];
  close(): Promise<void>;
}

const sha256 = (d: Uint8Array) => createHash('sha256').update(d).digest('hex');
const gitSha1 = (d: Uint8Array) => createHash('sha1').update(`blob ${d.length}\0`).update(d).digest('hex');

export async function startHubServer(opts: HubServerOptions): Promise<HubServer> {
  const commit = opts.commit ?? 'c0ffee0000000000000000000000000000000001';
  const bySha = new Map<string, Uint8Array>();
  for (const files of Object.values(opts.repos)) for (const f of Object.values(files)) if (f.lfs) bySha.set(sha256(f.data), f.data);
  const requests: HubServer['requests'] = [];
  let cuts = 0;

  const serveBody = (req: IncomingMessage, res: ServerResponse, data: Uint8Array, headers: Record<string, string>) => {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (start > data.length) {
      res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
      return;
    }
    const body = data.subarray(start);
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'content-length': String(body.length),
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    if (opts.stallAt !== undefined && body.length > opts.stallAt) return void res.write(body.subarray(0, opts.stallAt));
    if (opts.cutAt !== undefined && cuts < (opts.cutTimes ?? 1) && body.length > opts.cutAt) {
      cuts++;
      res.write(body.subarray(0, opts.cutAt), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(body);
  };

  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range, authorization: req.headers.authorization, at: performance.now() });
    if (opts.silent) return;
    const url = new URL(req.url ?? '/', 'http://x');
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
    if (cdn) {
      const data = bySha.get(cdn[1]);
      if (!data) return void res.writeHead(404).end();
      return serveBody(req, res, data, {});
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repo = m ? opts.repos[m[1]] : undefined;
    if (!m || !repo) return void res.writeHead(404, { 'x-error-code': 'RepoNotFound' }).end('Repository not found');
    if (m[2] !== 'main' && m[2] !== commit) return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end('Invalid rev id');
    const f = repo[m[3]];
    if (!f) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': commit }).end('Entry not found');
    if (f.lfs) {
      const sha = sha256(f.data);
      res.writeHead(302, {
        location: `${opts.cdnOrigin ?? ''}/cdn/${sha}`,
        'x-linked-etag': `"${opts.fakeSha ?? sha}"`,
        'x-linked-size': String(f.data.length),
        'x-repo-commit': opts.commitHeader ?? commit,
        etag: `"${gitSha1(f.data)}"`,
      });
      return void res.end();
    }
    serveBody(req, res, f.data, { etag: `"${gitSha1(f.data)}"`, 'x-repo-commit': opts.commitHeader ?? commit });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
