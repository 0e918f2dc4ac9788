// Cold query features (no disk cache) for the 21 VOC classes x 80 templates with a real-size random ViT-B/16 text
// tower: npm run bench:queries -- --weights FILE [--plan prefix|length|fifo] [--json FILE]. Creates FILE when
// missing; pass the same file to runs of two commits to time them back to back.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GpuDevice } from '@clearclip/tensor';
import { CLIP, ClipTokenizer } from '@clearclip/vit';
import { queryFeatures } from 'clearclip';
import { randomWeights } from './random-vit.js';

const { values: a } = parseArgs({ options: { weights: { type: 'string' }, plan: { type: 'string' }, json: { type: 'string' }, vocab: { type: 'string' } } });
const here = path.dirname(new URL(import.meta.url).pathname);
const weights = a.weights ?? '/tmp/clearclip-vit-b-16-random.safetensors';
if (!existsSync(weights)) await randomWeights(weights);
const device = await GpuDevice.create();
const clip = await CLIP.load(device, weights);
const tok = await ClipTokenizer.fromBpeGz(a.vocab ?? path.resolve(here, '../../../shared/vocab/bpe_simple_vocab_16e6.txt.gz'));
const classes = 'background,aeroplane,bicycle,bird,boat,bottle,bus,car,cat,chair,cow,table,dog,horse,motorbike,person,plant,sheep,sofa,train,monitor'.split(',');
const d0 = device.dispatchCount;
const s0 = device.submitCount;
const t0 = performance.now();
const q = await queryFeatures(clip, tok, classes, { cacheDir: null, plan: a.plan as 'prefix' | undefined } as Parameters<typeof queryFeatures>[3]);
const ms = performance.now() - t0;
const row = { classes: classes.length, ms, dispatches: device.dispatchCount - d0, submits: device.submitCount - s0, plan: a.plan ?? 'default', first: Array.from(q.subarray(0, 4)) };
console.log(JSON.stringify(row));
if (a.json) writeFileSync(a.json, JSON.stringify(row) + '\n');
clip.dispose();
device.destroy();
