// Time per stage of ClearCLIP segmentation with a real-size CLIP ViT-B/16 (random weights: the time does not
// depend on the values) on a 448-short-side image: npm run bench:segment [-- --dtype f16] [--image FILE] [--json FILE]
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GpuDevice } from '@clearclip/tensor';
import { ClearCLIP } from 'clearclip';
import { randomWeights } from './random-vit.js';

const { values: a } = parseArgs({ options: { dtype: { type: 'string' }, image: { type: 'string' }, json: { type: 'string' }, runs: { type: 'string' } } });
const dtype = (a.dtype ?? 'f32') as 'f32' | 'f16';
const image = a.image ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../assets/demo.png');
const tmp = await mkdtemp(path.join(os.tmpdir(), 'clearclip-bench-'));
const device = await GpuDevice.create();
try {
  const weights = path.join(tmp, 'vit-b-16-random.safetensors');
  await randomWeights(weights);
  const seg = await ClearCLIP.load({ weights, dtype, device, cacheDir: path.join(tmp, 'cache') });
  console.log(`adapter: ${device.describe()}`);
  console.log(`model: random CLIP ViT-B/16 (${dtype}); image ${image}; 21 classes; settings: scale (2048, 448), crop 448, stride 224`);
  const classes = 'background,aeroplane,bicycle,bird,boat,bottle,bus,car,cat,chair,cow,table,dog,horse,motorbike,person,plant,sheep,sofa,train,monitor'.split(',');
  const rows = [];
  const runs = Number(a.runs ?? 2);
  for (let run = 0; run < runs; run++) {
    const r = await seg.segment(image, classes, { stageTimes: true, probs: true });
    rows.push({ run, ...r.timings, windows: r.windows, inferenceSize: r.inferenceSize, size: [r.height, r.width] });
    const t = r.timings;
    console.log(
      `run ${run}${run === 0 ? ' (cold: shader compilation, text tower for 21 x 80 prompts)' : ' (warm: query features from the disk cache)'}: ` +
        Object.entries(t)
          .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
          .join(', ') +
        ` — ${r.windows} windows at ${r.inferenceSize.join('x')}`,
    );
  }
  if (a.json) writeFileSync(a.json, JSON.stringify({ adapter: device.describe(), dtype, rows }, null, 2));
  seg.dispose();
} finally {
  device.destroy();
  await rm(tmp, { recursive: true, force: true });
}
