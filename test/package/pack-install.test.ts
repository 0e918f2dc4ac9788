// The packages as a user gets them: `npm pack` every published workspace, install the tarballs into a new app
// outside the repository, then segment through the installed `clearclip` bin and through `import`, and type-check a
// strict consumer without skipLibCheck. Nothing may reach back into the repository (kernels, vocab, sources).
import t from 'tap';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireShared } from '../helpers/fixtures.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WORKSPACES = ['packages/tensor', 'packages/vit', 'weights-tools', 'packages/clearclip'];

function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 480_000, maxBuffer: 64 << 20 });
}

const rootPkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

t.test('packed tarballs install into an app outside the repo and work there', async (t) => {
  const weights = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  if (!weights || !vocab) return;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'clearclip-pack-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  t.notOk(tmp.startsWith(root), 'the app lies outside the repository');

  const packDir = path.join(tmp, 'tarballs');
  mkdirSync(packDir);
  const pack = sh('npm', ['pack', '--pack-destination', packDir, ...WORKSPACES.flatMap((w) => ['--workspace', w])], root);
  t.equal(pack.status, 0, `npm pack: ${pack.stderr.slice(-2000)}`);
  const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  t.equal(tarballs.length, WORKSPACES.length, `one tarball per workspace: ${tarballs.join(', ')}`);
  t.notMatch(pack.stderr, /bin\[.*\] script name .* was invalid and removed|"bin\[.*\]" was invalid/i, 'npm keeps the bin entry');

  const app = path.join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true, type: 'module' }));
  const install = sh(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs.map((f) => path.join(packDir, f)), `typescript@${rootPkg.devDependencies.typescript}`, `@types/node@${rootPkg.devDependencies['@types/node']}`],
    app,
  );
  t.equal(install.status, 0, `npm install: ${install.stderr.slice(-3000)}`);
  if (install.status !== 0) return;

  // Nothing in the installed code points into a repository layout.
  const dist = path.join(app, 'node_modules');
  const grep = sh('grep', ['-rlE', String.raw`\.\./\.\./\.\./kernels|shared/vocab`, '--include=*.js', path.join(dist, 'clearclip'), path.join(dist, '@clearclip')], app);
  t.equal(grep.stdout.trim(), '', 'no dist file refers to ../../../kernels or shared/vocab');

  const image = path.join(root, 'assets/demo.png');
  const env = { CLEARCLIP_CACHE: path.join(tmp, 'cache'), HOME: path.join(tmp, 'home') };
  mkdirSync(env.HOME);
  const classes = 'sky,tree,grass,house';
  const cli = sh(path.join(app, 'node_modules/.bin/clearclip'), ['segment', image, '--weights', weights, '--vocab', vocab, '--classes', classes, '--short-side', '224', '--out', 'out', '--json'], app, env);
  t.equal(cli.status, 0, `installed bin: ${cli.stderr.slice(-2000)}`);
  const fromCli = JSON.parse(readFileSync(path.join(app, 'out/demo.json'), 'utf8')) as { classes: { share: number }[] };

  writeFileSync(
    path.join(app, 'use.mjs'),
    `import { ClearCLIP, classShares } from 'clearclip';
const seg = await ClearCLIP.load({ weights: process.argv[2], vocab: process.argv[3] });
const r = await seg.segment(process.argv[4], ${JSON.stringify(classes)}, { scale: [2048, 224], probs: false });
console.log(JSON.stringify(classShares(r.pred, r.classNames.length)));
seg.dispose();
`,
  );
  const lib = sh(process.execPath, ['use.mjs', weights, vocab, image], app, env);
  t.equal(lib.status, 0, `import: ${lib.stderr.slice(-2000)}`);
  const shares = JSON.parse(lib.stdout.trim().split('\n').at(-1)!) as number[];
  t.same(shares, fromCli.classes.map((c) => c.share), 'import and bin give the same class shares');
  t.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-9, 'shares sum to 1');

  writeFileSync(
    path.join(app, 'consumer.ts'),
    `import { ClearCLIP, type Segmentation, type ProgressEvent } from 'clearclip';
import { GpuDevice, matmul } from '@clearclip/tensor';
import { CLIP } from '@clearclip/vit';
export async function run(file: string): Promise<number> {
  const events: ProgressEvent[] = [];
  const seg = await ClearCLIP.load({ weights: file, onProgress: (e) => events.push(e) });
  const r: Segmentation = await seg.segment('photo.jpg', 'sky,tree');
  const dev: GpuDevice = seg.device;
  const buf: GPUBuffer | undefined = undefined;
  void buf; void matmul; void CLIP; void dev;
  seg.dispose();
  return r.pred.length + events.length;
}
`,
  );
  writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'] }, files: ['consumer.ts'] }),
  );
  const tsc = sh(process.execPath, [path.join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
  t.equal(tsc.status, 0, `strict consumer type-check without skipLibCheck:\n${tsc.stdout.slice(0, 3000)}`);
});
