// clearclip tune on a tiny image size (few tokens), so that the whole command runs in seconds on a software GPU.
import t from 'tap';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { main } from '../../packages/clearclip/src/cli/main.js';
import { visionMatmulShapes } from '../../packages/clearclip/src/cli/tune.js';

t.test('the vision shapes follow the model geometry', async (t) => {
  const s = visionMatmulShapes('ViT-B-16', 448, 'f32');
  t.same(s.find((x) => x.label === 'fc1'), { M: 785, K: 768, N: 3072, dtype: 'f32', label: 'fc1' });
  t.same(s.find((x) => x.label === 'attn scores'), { batch: 12, M: 785, K: 64, N: 785, transposed: true, batchedB: true, dtype: 'f32', label: 'attn scores' });
  t.throws(() => visionMatmulShapes('ViT-X', 224, 'f32'), /unknown model "ViT-X"/);
});

t.test('clearclip tune prints a table and writes the cache; a second run reads it', async (t) => {
  const dir = t.testdir();
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  let rc: number;
  let rc2: number;
  let out1: string;
  try {
    rc = await main(['tune', '--model', 'ViT-B-32', '--image-size', '64', '--budget', '60', '--cache-dir', dir]);
    out1 = out;
    out = '';
    rc2 = await main(['tune', '--model', 'ViT-B-32', '--image-size', '64', '--budget', '60', '--cache-dir', dir]);
  } finally {
    process.stdout.write = write;
  }
  t.equal(rc, 0);
  t.match(out1, /layer\s+shape\s+tried\s+winner\s+heuristic\s+speedup/);
  t.match(out1, /fc1\s+5x768 @ 768x3072 f32/);
  t.equal(readdirSync(path.join(dir, 'tune')).filter((f) => f.endsWith('.json')).length, 1, 'one cache file for this adapter');
  t.equal(rc2, 0);
  t.match(out1, /softmax\s+softmax 60x5 f32/, 'softmax and layerNorm kernels are tuned too');
  t.match(out1, /layernorm\s+layernorm 5x768 f32/);
  t.equal((out.match(/\(cached/g) ?? []).length, 8, 'the second run reads every shape from the cache');
});
