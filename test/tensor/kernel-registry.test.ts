// Kernels travel inside the packages as generated string modules (scripts/bundle-kernels.mjs): the modules must be
// what the .wgsl files say, every kernel file must be registered, and a name can be claimed only once.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { defineKernel, kernelDescriptors, kernelNames, kernelOwner, kernelSource, registerKernels, registerKernelSource } from '@clearclip/tensor';
import '../../packages/clearclip/src/ops/kernels.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

t.test('the generated kernel modules match the .wgsl files', async (t) => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/bundle-kernels.mjs'), '--check'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr || 'up to date');
});

t.test('every kernel file is registered under its file name, by the package that holds it', async (t) => {
  for (const [pkg, owner] of [['packages/tensor', '@clearclip/tensor'], ['packages/clearclip', 'clearclip']] as const) {
    const files = readdirSync(path.join(root, pkg, 'kernels')).filter((f) => f.endsWith('.wgsl'));
    t.ok(files.length > 0, `${pkg}/kernels has kernels`);
    for (const f of files) {
      const name = f.slice(0, -5);
      t.equal(kernelOwner(name), owner, `${name} is registered by ${owner}`);
      const descs = kernelDescriptors().filter((d) => d.kernel === name);
      t.ok(descs.length > 0, `${name} has a descriptor`);
      for (const d of descs) t.match(d.program(), /@compute/, `${d.id} has a compute entry point`);
    }
  }
  t.same(kernelNames(), [...kernelNames()].sort(), 'names are listed sorted');
});

t.test('a name claimed twice with another source throws, naming both owners; the same source again is a no-op', async (t) => {
  const code = kernelSource('cast');
  t.doesNotThrow(() => registerKernels('again', { cast: code }));
  t.equal(kernelOwner('cast'), '@clearclip/tensor');
  t.throws(() => registerKernelSource('cast', code + '\n// changed', 'my-package'), /kernel "cast" registered twice: by @clearclip\/tensor and by my-package/);
  t.throws(() => kernelSource('no_such_kernel'), /kernel "no_such_kernel" is not registered \(known: .*cast/);
});

t.test('shared WGSL is written once: includes expand to the snippet, and no kernel file repeats the entry or a reduction', async (t) => {
  t.match(kernelSource('softmax'), /fn reduceMax[\s\S]*fn reduceSum/, 'softmax gets both reductions from lib/reduce.wgsl');
  for (const [pkg] of [['packages/tensor'], ['packages/clearclip']]) {
    for (const f of readdirSync(path.join(root, pkg, 'kernels')).filter((f) => f.endsWith('.wgsl'))) {
      const code = readFileSync(path.join(root, pkg, 'kernels', f), 'utf8');
      t.notMatch(code, /fn reduce(Sum|Max)\(/, `${f} declares no reduction of its own`);
      t.notMatch(code, /^const WG\b/m, `${f} leaves its workgroup size to its descriptor`);
    }
  }
  t.throws(() => defineKernel({ kernel: 'cast', workgroupSize: 64, grid: 'perInvocation', bindings: { uniforms: true, inputs: ['x'], outputs: ['out'] } }), /defined twice/);
});
