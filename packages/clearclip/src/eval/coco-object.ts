import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { decodeIndexPng, encodeIndexPng } from './png-index.js';

/**
 * COCO-Object labels from COCO-Stuff164k's raw label maps, as upstream's datasets/cvt_coco_object.py (from
 * GroupViT) makes them. The raw maps hold 0-based COCO category ids: things 0..89 with eleven unused ids, stuff
 * 91..181, 255 unlabelled. Things become 1..80 in id order; every stuff id AND 255 become 0 (background) -- upstream
 * shifts all train ids by one and then zeroes every key above 90, which includes 255, so unlabelled pixels count
 * as background. Values that are no COCO id keep their value.
 */
const UNUSED_THING_IDS = [11, 25, 28, 29, 44, 65, 67, 68, 70, 82, 90];

export const COCO_OBJECT_LUT: Uint8Array = (() => {
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = v;
  let next = 1;
  for (let id = 0; id <= 89; id++) if (!UNUSED_THING_IDS.includes(id)) lut[id] = next++;
  for (let id = 91; id <= 181; id++) lut[id] = 0;
  lut[255] = 0;
  return lut;
})();

export interface ConvertCocoObjectOptions {
  /** COCO-Stuff164k root holding images/ and annotations/{train2017,val2017}/ with the raw *.png maps. */
  dataRoot: string;
  /** Where to write; default dataRoot. A different folder gets a copy of images/ too, as upstream does. */
  outDir?: string;
  splits?: string[];
  concurrency?: number;
  onFile?: (done: number, total: number) => void;
}

export interface ConvertCocoObjectResult {
  converted: Record<string, number>;
  outDir: string;
}

export async function convertCocoObject(opts: ConvertCocoObjectOptions): Promise<ConvertCocoObjectResult> {
  const root = path.resolve(opts.dataRoot);
  const outDir = path.resolve(opts.outDir ?? root);
  const splits = opts.splits ?? ['train2017', 'val2017'];
  const jobs: { src: string; dst: string; split: string }[] = [];
  for (const split of splits) {
    const dir = path.join(root, 'annotations', split);
    if (!existsSync(dir)) {
      if (opts.splits) throw new Error(`convert-coco-object: ${dir} not found`);
      continue;
    }
    // Upstream skips files with 'TrainIds' in the name (mmseg's *_labelTrainIds.png and earlier outputs).
    const names = (await readdir(dir)).filter((f) => f.endsWith('.png') && !f.includes('TrainIds')).sort();
    await mkdir(path.join(outDir, 'annotations', split), { recursive: true });
    for (const f of names) {
      jobs.push({ src: path.join(dir, f), dst: path.join(outDir, 'annotations', split, `${f.split('.')[0]}_instanceTrainIds.png`), split });
    }
  }
  if (!jobs.length) throw new Error(`convert-coco-object: no raw label PNGs under ${path.join(root, 'annotations')}/{${splits.join(',')}}`);
  if (outDir !== root && existsSync(path.join(root, 'images'))) {
    await cp(path.join(root, 'images'), path.join(outDir, 'images'), { recursive: true });
  }
  const converted: Record<string, number> = {};
  let done = 0;
  let k = 0;
  const worker = async () => {
    while (k < jobs.length) {
      const job = jobs[k++];
      const img = decodeIndexPng(await readFile(job.src), job.src);
      const out = new Uint8Array(img.data.length);
      for (let i = 0; i < out.length; i++) out[i] = COCO_OBJECT_LUT[img.data[i]];
      await writeFile(job.dst, encodeIndexPng({ ...img, data: out }));
      converted[job.split] = (converted[job.split] ?? 0) + 1;
      opts.onFile?.(++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
  return { converted, outDir };
}
