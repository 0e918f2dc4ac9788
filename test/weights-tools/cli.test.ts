import t, { type Test } from 'tap';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { requireShared } from '../helpers/fixtures.js';
import { startHubServer } from './hub-server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The weights commands are mounted in the clearclip CLI as `clearclip weights ...`.
const cli = path.join(root, 'packages/clearclip/src/cli/main.ts');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=clearclip-source', '--import=tsx', cli, 'weights', ...args], { cwd: root, env: { ...process.env, HF_HUB_OFFLINE: '' } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function tmp(t: Test): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'wt-cli-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

t.test('convert + inspect --json through the CLI', async (t) => {
  const src = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  if (!src) return;
  const dir = await tmp(t);
  const out = path.join(dir, 'tiny-f16.safetensors');
  const c = await run(['convert', src, out, '--dtype', 'f16']);
  t.equal(c.code, 0, c.stderr);
  t.match(c.stdout, /74 tensors, 1824097 parameters, f16, \d+ bytes \(from 7304124\), 20 transposed, 0 dropped/);
  const i = await run(['inspect', out, '--json']);
  t.equal(i.code, 0, i.stderr);
  const r = JSON.parse(i.stdout);
  t.equal(r.format, 'clearclip-runtime-v1');
  t.equal(r.sha256, createHash('sha256').update(await readFile(out)).digest('hex'));
  t.equal(r.parameters, 1824097);
  t.same(r.dtypes, { F16: 1824096, F32: 1 }, 'everything f16 except logit_scale');
  t.equal(r.config.model_cfg.vision_cfg.width, 64);
  t.same(r.tensors.find((x: { name: string }) => x.name === 'visual.transformer.resblocks.0.mlp.c_fc.weight').shape, [64, 256]);
  const text = await run(['inspect', src]);
  t.match(text.stdout, /format:\s+pt[\s\S]*parameters: 1,824,097/);
});

t.test('CLI errors name the argument or file and set the exit code', async (t) => {
  const dir = await tmp(t);
  const a = await run(['convert', path.join(dir, 'nope.bin'), path.join(dir, 'o')]);
  t.equal(a.code, 1);
  t.match(a.stderr, /clearclip weights: .*nope\.bin: input file not found/);
  const b = await run(['convert', 'x', 'y', '--dtype', 'bf16']);
  t.equal(b.code, 2);
  t.match(b.stderr, /--dtype bf16: must be f32 or f16/);
  const c = await run(['inspect']);
  t.equal(c.code, 2);
  t.match(c.stderr, /inspect: expected FILE/);
  const d = await run(['frobnicate']);
  t.equal(d.code, 2);
  t.match(d.stderr, /unknown command 'frobnicate'/);
  const e = await run(['download', 'ViT-B-16', 'nonesuch', '--cache-dir', dir]);
  t.equal(e.code, 1);
  t.match(e.stderr, /unknown model\/pretrained 'ViT-B-16 nonesuch'/);
});

t.test('download through the CLI prints paths, plain progress lines off a TTY', async (t) => {
  const w = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  const c = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_config.json');
  if (!w || !c) return;
  const dir = await tmp(t);
  const repo = 'laion/CLIP-ViT-B-16-laion2B-s34B-b88K';
  const hub = await startHubServer({
    repos: { [repo]: { 'open_clip_model.safetensors': { data: await readFile(w), lfs: true }, 'open_clip_config.json': { data: await readFile(c), lfs: false } } },
  });
  t.teardown(() => hub.close());
  const r = await run(['download', 'ViT-B-16', 'laion2b_s34b_b88k', '--cache-dir', dir, '--endpoint', hub.endpoint]);
  t.equal(r.code, 0, r.stderr);
  const [weights, config] = r.stdout.trim().split('\n');
  t.match(weights, /models--laion--CLIP-ViT-B-16-laion2B-s34B-b88K\/snapshots\/[0-9a-f]+\/open_clip_model\.safetensors$/);
  t.match(config, /open_clip_config\.json$/);
  t.match(r.stderr, /laion\/CLIP-ViT-B-16-laion2B-s34B-b88K\/open_clip_model\.safetensors: 7\.0\/7\.0 MiB \(100%\) done/);
  t.notMatch(r.stderr, /\r/, 'no carriage returns when stderr is not a terminal');
});

t.test('each weights command answers --help on stdout with exit 0', async (t) => {
  for (const cmd of ['convert', 'inspect', 'download']) {
    const r = await run([cmd, '--help']);
    t.equal(r.code, 0, `${cmd} --help exits 0 (${r.stderr})`);
    t.match(r.stdout, new RegExp(`^usage: clearclip weights ${cmd} `), `${cmd} --help prints its usage`);
  }
});
