import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DATASETS, type DatasetName } from './datasets.js';
import { mergeShards } from './merge.js';
import { emptyAreas } from './metrics.js';
import type { ProgressOptions } from './progress.js';
import { AREAS_FORMAT, writeOutcome, type EvalOutcome } from './report.js';
import { runEval } from './run.js';
import { listSamples } from './samples.js';
import { resolveSettings, settingsKey, type EvalSettings, type SegmenterFactory, type SettingsOverrides, type EvalModelOptions } from './settings.js';
import { selectShard, type Shard } from './shard.js';

/**
 * Where each benchmark sits under one data root: the folders MMSeg's dataset preparation makes and ClearCLIP's
 * configs/cfg_*.py point at (data_root = 'data/...').
 */
export const STANDARD_ROOTS: Record<DatasetName, string> = {
  voc21: 'VOCdevkit/VOC2012',
  voc20: 'VOCdevkit/VOC2012',
  context60: 'VOCdevkit/VOC2010',
  context59: 'VOCdevkit/VOC2010',
  'coco-object': 'coco_stuff164k',
  'coco-stuff164k': 'coco_stuff164k',
  cityscapes: 'cityscapes',
  ade20k: 'ade/ADEChallengeData2016',
};

/** ClearCLIP ViT-B/16 mIoU as the paper reports it (Lan et al., ECCV 2024, Table 1). */
export const PAPER_MIOU: Record<DatasetName, number> = {
  voc21: 51.8,
  context60: 32.6,
  'coco-object': 33.0,
  voc20: 80.9,
  context59: 35.9,
  'coco-stuff164k': 23.9,
  cityscapes: 30.0,
  ade20k: 16.7,
};

/** The order of the paper's table (with background, then without). */
export const PAPER_ORDER: DatasetName[] = ['voc21', 'context60', 'coco-object', 'voc20', 'context59', 'coco-stuff164k', 'cityscapes', 'ade20k'];

export interface RunAllOptions {
  dataRoot: string;
  /** Per-dataset roots, overriding dataRoot/STANDARD_ROOTS[name]. */
  roots?: Partial<Record<DatasetName, string>>;
  /** Which datasets to try (default all, in the paper's order). */
  datasets?: DatasetName[];
  workDir: string;
  /** Settings applied to every dataset (model, weights, preset, ...); each dataset keeps its own layout defaults. */
  overrides?: SettingsOverrides;
  shard?: Shard;
  limit?: number;
  segmenterFactory: SegmenterFactory;
  /** How the segmenter loads its model (--dtype, --vocab). */
  model?: EvalModelOptions;
  progress?: ProgressOptions | false;
  log?: (msg: string) => void;
}

export type DatasetStatus = 'done' | 'resumed' | 'missing' | 'failed' | 'partial';

export interface DatasetRun {
  dataset: DatasetName;
  root: string;
  status: DatasetStatus;
  /** What a reader needs to know: why it is missing, the error, which shards are still to run. */
  note?: string;
  /** Set when the dataset's metric is complete (a full run, or every shard merged). */
  outcome?: EvalOutcome;
}

export const datasetRoot = (o: Pick<RunAllOptions, 'dataRoot' | 'roots'>, name: DatasetName) =>
  path.resolve(o.roots?.[name] ?? path.join(o.dataRoot, STANDARD_ROOTS[name]));

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const shardDirName = (s: Shard) => `shard-${s.index}-of-${s.count}`;

/** Why the dataset is not there, or null when its image and label folders are. */
function missingReason(root: string, name: DatasetName): string | null {
  const d = DATASETS[name];
  if (!isDir(root)) return `no folder ${root}`;
  for (const sub of [d.imgDir, d.annDir]) if (!isDir(path.join(root, sub))) return `no folder ${path.join(root, sub)}`;
  return null;
}

/**
 * The finished run in `dir` for these settings, or null: areas.json is written last and atomically, so its presence
 * with the same settings, shard and image count means the run completed.
 */
async function finishedRun(dir: string, s: EvalSettings, shard: Shard, expected: number): Promise<EvalOutcome | null> {
  const file = path.join(dir, 'areas.json');
  if (!existsSync(file)) return null;
  let a;
  try {
    a = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return null;
  }
  if (a.format !== AREAS_FORMAT || settingsKey(a.settings) !== settingsKey(s)) return null;
  if (a.shard?.index !== shard.index || a.shard?.count !== shard.count || a.imageIds?.length !== expected) return null;
  const areas = emptyAreas(s.classNames.length);
  for (const k of ['intersect', 'union', 'predLabel', 'label'] as const) areas[k].set(a.areas[k]);
  return { settings: a.settings, shard: shard.count > 1 ? shard : null, datasetImages: a.datasetImages, imageIds: a.imageIds, areas, seconds: a.seconds };
}

/** With shards: the merged metric once every shard of this dataset has finished, else which are left. */
async function mergedIfComplete(dsDir: string, count: number): Promise<{ outcome?: EvalOutcome; note?: string }> {
  const done = Array.from({ length: count }, (_, i) => i).filter((i) => existsSync(path.join(dsDir, shardDirName({ index: i, count }), 'areas.json')));
  if (done.length < count) {
    const left = Array.from({ length: count }, (_, i) => i).filter((i) => !done.includes(i));
    return { note: `${done.length} of ${count} shards finished (to run: ${left.map((i) => `${i}/${count}`).join(', ')})` };
  }
  return { outcome: await mergeShards(done.map((i) => path.join(dsDir, shardDirName({ index: i, count })))) };
}

/**
 * `clearclip eval all`: every benchmark that is present under the data root, one after the other, each into
 * <workDir>/<dataset>[/shard-i-of-n]. Finished datasets (same settings) are not run again, so an interrupted run
 * picks up where it stopped; a missing dataset is listed, not an error; a failing one is reported and the rest run.
 */
export async function runAll(o: RunAllOptions): Promise<DatasetRun[]> {
  const shard = o.shard ?? { index: 0, count: 1 };
  const log = o.log ?? (() => undefined);
  const runs: DatasetRun[] = [];
  for (const name of o.datasets ?? PAPER_ORDER) {
    const root = datasetRoot(o, name);
    const missing = missingReason(root, name);
    if (missing) {
      log(`${name}: skipped (${missing})`);
      runs.push({ dataset: name, root, status: 'missing', note: missing });
      continue;
    }
    const dsDir = path.join(o.workDir, name);
    const dir = shard.count > 1 ? path.join(dsDir, shardDirName(shard)) : dsDir;
    try {
      const s = resolveSettings(name, root, o.overrides);
      const mine = selectShard(await listSamples(s), shard);
      const expected = o.limit === undefined ? mine.length : Math.min(o.limit, mine.length);
      let outcome = await finishedRun(dir, s, shard, expected);
      let status: DatasetStatus = 'resumed';
      if (outcome) log(`${name}: already finished in ${dir}`);
      else {
        log(`${name}: evaluating ${expected} images from ${root}`);
        const segmenter = await o.segmenterFactory(s, o.model);
        try {
          outcome = await runEval(s, { segmenter, shard, limit: o.limit, progress: o.progress });
        } finally {
          await segmenter.dispose?.();
        }
        await writeOutcome(dir, outcome);
        status = 'done';
      }
      if (shard.count === 1) runs.push({ dataset: name, root, status, outcome, note: o.limit !== undefined ? `--limit ${o.limit}` : undefined });
      else {
        const m = await mergedIfComplete(dsDir, shard.count);
        runs.push({ dataset: name, root, status: m.outcome ? status : 'partial', outcome: m.outcome, note: m.note });
      }
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      log(`${name}: failed (${msg})`);
      runs.push({ dataset: name, root, status: 'failed', note: msg });
    }
  }
  return runs;
}
