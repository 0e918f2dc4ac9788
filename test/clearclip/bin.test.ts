// The installed command: bin/clearclip.js is committed and executable, runs the built program, answers --version
// and --help, and keeps Dawn's two limit warnings (printed by native code on lavapipe) out of what a person reads.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireShared } from '../helpers/fixtures.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'packages/clearclip/bin/clearclip.js');
const pkg = JSON.parse(readFileSync(path.join(root, 'packages/clearclip/package.json'), 'utf8'));

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
}

t.test('the bin is what package.json names, executable, with a node shebang', async (t) => {
  t.equal(pkg.bin.clearclip, 'bin/clearclip.js', 'package.json bin entry (no ./dist path: npm publish keeps it)');
  t.ok(statSync(bin).mode & 0o111, 'executable bits set (git keeps them)');
  t.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  const git = spawnSync('git', ['ls-files', '-s', 'packages/clearclip/bin/clearclip.js'], { cwd: root, encoding: 'utf8' });
  if (git.status === 0 && git.stdout) t.match(git.stdout, /^100755 /, 'committed as executable');
});

t.test('--version, --help, and a subcommand --help', async (t) => {
  const v = run(['--version']);
  t.equal(v.status, 0, v.stderr);
  t.equal(v.stdout.trim(), `clearclip ${pkg.version}`);
  const h = run(['--help']);
  t.equal(h.status, 0);
  t.match(h.stdout, /weights convert\|inspect\|download/);
  t.match(h.stdout, /cache list\|prune/);
  const p = run(['parity', '--help']);
  t.equal(p.status, 0);
  t.match(p.stdout, /^usage: clearclip parity FIXTURE-DIR/, 'parity --help names the command, not an npm script');
  const u = run(['frobnicate']);
  t.equal(u.status, 1);
  t.match(u.stderr, /unknown command "frobnicate"/);
});

t.test("Dawn's limit warnings are filtered from stderr; other output passes", async (t) => {
  const w = requireShared(t, 'fixtures', 'clip-tiny-b16', 'open_clip_model.safetensors');
  const vocab = requireShared(t, 'vocab', 'bpe_simple_vocab_16e6.txt.gz');
  if (!w || !vocab) return;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'clearclip-bin-'));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const args = ['segment', path.join(root, 'assets/demo.png'), '--weights', w, '--vocab', vocab, '--classes', 'sky,tree', '--short-side', '224', '--out', path.join(tmp, 'out')];
  const env = { CLEARCLIP_CACHE: path.join(tmp, 'cache') };
  const raw = run(args, { ...env, CLEARCLIP_RAW_STDERR: '1' });
  t.equal(raw.status, 0, raw.stderr);
  const filtered = run(args, env);
  t.equal(filtered.status, 0, filtered.stderr);
  t.notMatch(filtered.stderr, /artificially reduced/, 'no limit warnings');
  t.match(filtered.stderr, /\[1\/1\] .*demo\.png: 640x427/, 'the program’s own lines pass');
  t.match(filtered.stderr, /queries 2 classes: cached/, 'and its progress');
  if (/artificially reduced/.test(raw.stderr)) t.pass('this adapter prints the warnings unfiltered: the filter is what removed them');
  else t.comment('this adapter prints no limit warnings: the filter had nothing to remove here');
});
