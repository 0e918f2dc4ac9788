// The browser path of the tensor core: bundles test/browser/entry.ts with esbuild, serves it on
// 127.0.0.1 (the kernels are inside the bundle), and loads it in headless Chromium (WebGPU through navigator.gpu; SwiftShader where there is no GPU).
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function findChromium(): string | null {
  for (const c of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) if (c && existsSync(c)) return c;
  return null;
}

export interface BrowserResult {
  adapter?: string;
  rows?: { name: string; maxErr: number; tol: number; ok: boolean }[];
  error?: string;
}

export async function runInBrowser(chromium: string, timeoutMs = 120_000): Promise<BrowserResult> {
  const bundle = await build({
    entryPoints: [path.join(root, 'test/browser/entry.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['clearclip-source'],
    external: ['node:*', 'webgpu'],
    write: false,
    logLevel: 'silent',
  });
  const js = bundle.outputFiles[0].text;
  // The page posts its results back; the run ends when they arrive (or at the timeout).
  const page = '<!doctype html><title>clearclip</title><script type="module" src="/bundle.js"></script>' +
    '<script>const t=setInterval(()=>{if(window.__results){clearInterval(t);fetch("/result",{method:"POST",body:JSON.stringify(window.__results)});}},50)</script>';
  let deliver: (r: BrowserResult) => void = () => {};
  const result = new Promise<BrowserResult>((r) => (deliver = r));
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    try {
      if (url.pathname === '/result' && req.method === 'POST') {
        let body = '';
        for await (const c of req) body += c;
        res.writeHead(204).end();
        deliver(JSON.parse(body) as BrowserResult);
      } else if (url.pathname === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(page);
      else if (url.pathname === '/bundle.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      else res.writeHead(404).end();
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const profile = mkdtempSync(path.join(os.tmpdir(), 'clearclip-chromium-'));
  try {
    const args = [
      '--headless=new', '--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic',
      ...(process.env.CLEARCLIP_BROWSER_DEBUG ? ['--enable-logging=stderr'] : []),
      `--user-data-dir=${profile}`, '--remote-debugging-port=0', `http://127.0.0.1:${port}/`,
    ];
    // Its own process group, so that the renderer and GPU processes go down with it.
    const p = spawn(chromium, args, { detached: true, stdio: ['ignore', 'ignore', process.env.CLEARCLIP_BROWSER_DEBUG ? 'inherit' : 'ignore'] });
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        process.kill(-p.pid!, sig);
      } catch {
        /* already gone */
      }
    };
    const exited = new Promise<number | null>((r) => p.on('exit', r));
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        result,
        new Promise<BrowserResult>((resolve) => {
          timer = setTimeout(() => resolve({ error: `no result from the page within ${timeoutMs} ms` }), timeoutMs);
        }),
        exited.then((code): BrowserResult => ({ error: `chromium exited (${code}) before the page reported` })),
      ]);
    } finally {
      clearTimeout(timer);
      killGroup('SIGTERM');
      const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      if (!gone) killGroup('SIGKILL');
      await exited;
      killGroup('SIGKILL'); // stragglers of the group
    }
  } finally {
    server.close();
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (e) {
      // A profile folder left in the temp dir is harmless; it must not fail the run.
      console.error(`note: could not remove ${profile}: ${(e as Error).message}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const c = findChromium();
  if (!c) throw new Error('no Chromium found (apt-get install chromium, or set CHROMIUM)');
  console.log(JSON.stringify(await runInBrowser(c), null, 2));
}
