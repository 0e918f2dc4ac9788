import type { RgbImage } from '../image/types.js';
import { readImage as defaultReadImage } from '../image/decode.js';
import { accumulateImage, emptyAreas } from './metrics.js';
import { Progress, type ProgressOptions } from './progress.js';
import type { EvalOutcome } from './report.js';
import { checkSamplesExist, listSamples, readLabel } from './samples.js';
import type { EvalSegmenter, EvalSettings } from './settings.js';
import { selectShard, type Shard } from './shard.js';

export interface RunEvalOptions {
  segmenter: EvalSegmenter;
  shard?: Shard;
  /** Evaluate only the first N images of this shard (smoke runs). */
  limit?: number;
  readImage?: (file: string) => Promise<RgbImage>;
  progress?: ProgressOptions | false;
}

/**
 * Runs the segmenter over the dataset (or one shard of it) and accumulates MMSeg IoU areas at the original image
 * size. Images are read one ahead so decoding overlaps the model.
 */
export async function runEval(settings: EvalSettings, opts: RunEvalOptions): Promise<EvalOutcome> {
  const shard = opts.shard ?? { index: 0, count: 1 };
  const all = await listSamples(settings);
  let mine = selectShard(all, shard);
  if (opts.limit !== undefined) mine = mine.slice(0, opts.limit);
  checkSamplesExist(mine, settings.dataset);
  const read = opts.readImage ?? defaultReadImage;
  const numClasses = settings.classNames.length;
  const areas = emptyAreas(numClasses);
  const progress = opts.progress === false ? null : new Progress(mine.length, { label: settings.dataset, ...opts.progress });
  const t0 = performance.now();
  const load = (k: number) => Promise.all([read(mine[k].imgPath), readLabel(mine[k].segPath, settings.reduceZeroLabel)]);
  let next = mine.length ? load(0) : null;
  for (let k = 0; k < mine.length; k++) {
    const [img, label] = await next!;
    next = k + 1 < mine.length ? load(k + 1) : null;
    // A rejected read-ahead must not surface as an unhandled rejection if this iteration throws first.
    next?.catch(() => undefined);
    const id = mine[k].id;
    if (img.width !== label.width || img.height !== label.height) {
      throw new Error(`${id}: image is ${img.width}x${img.height} but its label map is ${label.width}x${label.height}`);
    }
    const pred = await opts.segmenter.segment(img, settings);
    if (pred.length !== img.width * img.height) {
      throw new Error(`${id}: the segmenter returned ${pred.length} labels for a ${img.width}x${img.height} image (expected one per pixel at the original size)`);
    }
    accumulateImage(areas, pred, label.data, settings.ignoreIndex);
    progress?.tick();
  }
  return {
    settings,
    shard: shard.count > 1 ? shard : null,
    datasetImages: all.length,
    imageIds: mine.map((s) => s.id),
    areas,
    seconds: (performance.now() - t0) / 1000,
  };
}
