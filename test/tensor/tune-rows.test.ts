// Softmax and layerNorm: one invocation per row or one workgroup per row is a tuner decision per row-length
// bucket, with the old thresholds as the heuristic. Both variants are right; the tuner times them, persists the
// choice with the matmul choices, a new process reuses it, and CLEARCLIP_TUNE=off gives the heuristic.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import {
  adapterFingerprint, heuristicRowVariant, layerNorm, reference, rowKernelHash, rowShapeKey, ROW_THRESHOLDS,
  selectRowVariant, softmax, tuneRowKernels, type RowTuneShape, type TuneFile,
} from '@clearclip/tensor';
import { nodeTuneStore } from '@clearclip/tensor/node';
import { testDevice } from '../helpers/device.js';
import { uniform } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SHAPES: RowTuneShape[] = [
  { op: 'softmax', rows: 24, cols: 197, label: 'short softmax' },
  { op: 'softmax', rows: 4, cols: 1500, label: 'long softmax' },
  { op: 'layernorm', rows: 24, cols: 300, label: 'layernorm' },
];

t.test('the heuristic is the old thresholds', async (t) => {
  t.same(ROW_THRESHOLDS, { softmax: 1024, layernorm: 4096 });
  t.equal(heuristicRowVariant('softmax', 1024), 'rows');
  t.equal(heuristicRowVariant('softmax', 1025), 'workgroup');
  t.equal(heuristicRowVariant('layernorm', 4096), 'rows');
  t.equal(heuristicRowVariant('layernorm', 4097), 'workgroup');
  t.equal(rowShapeKey('softmax', 'f32', 197), 'softmax/f32/c256', 'rows share an entry per power-of-two length bucket');
});

t.test('both variants of each op match the float64 reference, short and long rows', async (t) => {
  const dev = await testDevice();
  for (const cols of [5, 1100]) {
    const x = uniform(3 * cols, cols, -6, 6);
    const g = uniform(cols, cols + 1, -2, 2);
    const b = uniform(cols, cols + 2, -1, 1);
    const xt = dev.tensor(x, [3, cols]);
    const gt = dev.tensor(g, [cols]);
    const bt = dev.tensor(b, [cols]);
    for (const variant of ['rows', 'workgroup'] as const) {
      assertClose(t, await softmax(xt, { scale: 0.5, variant }).read(), reference.softmaxRef(x, cols, 0.5), { atol: 1e-30, rtol: 2e-5, shape: [3, cols] }, `softmax ${variant} 3x${cols}`);
      assertClose(t, await layerNorm(xt, gt, bt, 1e-5, { variant }).read(), reference.layerNormRef(x, g, b, 1e-5), { atol: 2e-5, rtol: 2e-5, shape: [3, cols] }, `layerNorm ${variant} 3x${cols}`);
    }
  }
  t.throws(() => softmax(dev.tensor([1, 2], [2]), { variant: 'sideways' as 'rows' }), /softmax: unknown variant "sideways"/);
});

t.test('tune, persist, reuse in a new process, CLEARCLIP_TUNE=off gives the heuristic', async (t) => {
  const dev = await testDevice();
  const dir = t.testdir();
  const store = nodeTuneStore(dir);
  const first = await tuneRowKernels(dev, SHAPES, { store, reps: 3 });
  t.equal(first.length, SHAPES.length);
  for (const [i, r] of first.entries()) {
    const s = SHAPES[i];
    t.ok(r.timed, `${r.shape}: timed on a cold cache`);
    t.same(r.entry.candidates.map((c) => c.variant).sort(), ['rows', 'workgroup'], 'both kernels are candidates');
    t.ok(r.entry.candidates.every((c) => c.ok && c.ms !== null), `both agreed with the reference and were timed: ${r.entry.candidates.map((c) => `${c.variant} ${c.ms!.toFixed(3)} ms`).join(', ')}; winner ${r.entry.winner}`);
    t.equal(r.entry.heuristic, heuristicRowVariant(s.op, s.cols));
    t.equal(r.entry.kernelHash, rowKernelHash(s.op));
    t.equal(selectRowVariant(dev, s.op, 'f32', s.cols), r.entry.winner, 'launches now use the winner');
  }

  // Make the cached choice the opposite of the heuristic everywhere, so that using the cache is visible whatever
  // the timings said.
  const file = path.join(dir, `${adapterFingerprint(dev)}.json`);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as TuneFile;
  const flipped: string[] = [];
  for (const s of SHAPES) {
    const e = saved.entries[rowShapeKey(s.op, 'f32', s.cols)];
    e.winner = e.heuristic === 'rows' ? 'workgroup' : 'rows';
    flipped.push(e.winner);
  }
  writeFileSync(file, JSON.stringify(saved));

  const child = (tune: string) => {
    const r = spawnSync(process.execPath, [...process.execArgv, path.join(here, '../helpers/tune-rows-child.ts'), dir, JSON.stringify(SHAPES)], {
      encoding: 'utf8',
      env: { ...process.env, CLEARCLIP_TUNE: tune },
    });
    t.equal(r.status, 0, r.status === 0 ? `child ran (CLEARCLIP_TUNE=${tune || '(unset)'})` : r.stderr.slice(-2000));
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { loaded: number; selected: string[]; results: { timed: boolean; winner: string }[] };
  };
  const again = child('');
  t.equal(again.loaded, SHAPES.length, 'the new process loaded every entry');
  t.same(again.selected, flipped, 'and launches the cached choices');
  t.same(again.results.map((r) => r.timed), SHAPES.map(() => false), 'its tuner timed nothing');
  const off = child('off');
  t.same(off.selected, SHAPES.map((s) => heuristicRowVariant(s.op, s.cols)), 'CLEARCLIP_TUNE=off: the heuristic');
});
