// The matmul autotuner: it picks a correct variant, persists the choice per adapter, a new process reuses it
// without timing anything, and a change of kernel source invalidates it.
import t from 'tap';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import {
  adapterFingerprint, clearTunedChoices, heuristicMatmulVariant, kernelHash, matmulKernelHash, matmulShapeKey, MATMUL_VARIANTS,
  selectMatmulVariant, tuneMatmul, type MatmulProblem, type MatmulTuneShape, type TuneFile,
} from '@clearclip/tensor';
import { nodeTuneStore } from '@clearclip/tensor/node';
import { testDevice } from '../helpers/device.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHAPES: MatmulTuneShape[] = [
  { M: 40, N: 48, K: 32, label: 'dense' },
  { batch: 2, M: 9, N: 9, K: 8, transposed: true, batchedB: true, label: 'scores' },
];

t.test('tune, persist, reuse in a new process, invalidate on a kernel change', async (t) => {
  const dev = await testDevice();
  const dir = t.testdir();
  const store = nodeTuneStore(dir);
  const file = path.join(dir, `${adapterFingerprint(dev)}.json`);

  const first = await tuneMatmul(dev, SHAPES, { store, reps: 2 });
  t.equal(first.length, SHAPES.length, 'one result per shape');
  t.ok(first.every((r) => r.timed), 'a cold cache times every shape');
  for (const r of first) {
    const timed = r.entry.candidates.filter((c) => c.ms !== null);
    t.ok(timed.length >= 2, `${r.shape}: ${timed.length} candidates timed, winner ${r.entry.winner}`);
    t.ok(r.entry.candidates.find((c) => c.variant === r.entry.winner)?.ok, 'the winner agreed with the reference');
    t.equal(r.entry.kernelHash, matmulKernelHash());
  }
  t.ok(existsSync(file), `cache written to ${file}`);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as TuneFile;
  t.same(Object.keys(saved.entries).sort(), first.map((r) => r.key).sort(), 'the file holds every tuned key');

  // The device now launches the tuned winner; CLEARCLIP_TUNE=off goes back to the heuristic.
  const prob: MatmulProblem = { dtype: 'f32', batch: 1, M: 40, N: 48, K: 32, transposed: false, vecA: true, vecB: true };
  t.equal(matmulShapeKey(prob), first[0].key);
  t.equal(selectMatmulVariant(dev, prob).name, first[0].entry.winner, 'launches use the tuned winner');
  process.env.CLEARCLIP_TUNE = 'off';
  t.equal(selectMatmulVariant(dev, prob).name, heuristicMatmulVariant(dev, prob), 'CLEARCLIP_TUNE=off: the heuristic');
  delete process.env.CLEARCLIP_TUNE;

  // A new process with the same cache folder re-times nothing and picks the same winners.
  const child = spawnSync(process.execPath, [...process.execArgv, path.join(here, '../helpers/tune-child.ts'), dir, JSON.stringify(SHAPES)], {
    encoding: 'utf8',
    env: { ...process.env, CLEARCLIP_TUNE: '' },
  });
  t.equal(child.status, 0, child.status === 0 ? 'the second process ran' : child.stderr.slice(-2000));
  const again = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { key: string; timed: boolean; winner: string }[];
  t.same(again.map((r) => r.timed), SHAPES.map(() => false), 'the next process timed nothing');
  t.same(again.map((r) => r.winner), first.map((r) => r.entry.winner), 'and uses the same winners');

  // An entry made with other kernel sources is stale: this process times again and rewrites it.
  for (const e of Object.values(saved.entries)) e.kernelHash = 'from-an-older-kernel';
  writeFileSync(file, JSON.stringify(saved));
  clearTunedChoices(dev);
  const stale = await tuneMatmul(dev, SHAPES, { store, reps: 2 });
  t.ok(stale.every((r) => r.timed), 'stale entries are timed again');
  const rewritten = JSON.parse(readFileSync(file, 'utf8')) as TuneFile;
  t.ok(Object.values(rewritten.entries).every((e) => e.kernelHash === matmulKernelHash()), 'and rewritten with the current hash');
});

t.test('the cache version follows the kernel sources and the variant list', async (t) => {
  const names = MATMUL_VARIANTS.map((v) => v.name);
  const base = kernelHash(['kernel one', 'kernel two'], names);
  t.equal(kernelHash(['kernel one', 'kernel two'], names), base, 'stable');
  t.not(kernelHash(['kernel one', 'kernel two '], names), base, 'a one-character source edit changes it');
  t.not(kernelHash(['kernel one', 'kernel two'], names.slice(1)), base, 'so does a change of variants');
});
