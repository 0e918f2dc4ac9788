import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RgbImage } from '../image/types.js';
import { convertCocoObject } from '../eval/coco-object.js';
import { CUSTOM_DATASET, customDatasetDef, datasetFileOf, readDatasetFile } from '../eval/custom.js';
import { DATASET_NAMES, isDatasetName, type DatasetDef } from '../eval/datasets.js';
import { mergeShards } from '../eval/merge.js';
import type { ProgressOptions } from '../eval/progress.js';
import { terminalReport, writeOutcome } from '../eval/report.js';
import { runEval } from '../eval/run.js';
import { resolveSettings, type EvalModelOptions, type EvalSettings, type SegmenterFactory, type SettingsOverrides } from '../eval/settings.js';
import { parseShard, type Shard } from '../eval/shard.js';
import { bool, guarded, modelOptions, num, parseUsage, UsageError } from './eval-args.js';
import { evalAllCli } from './eval-all.js';

export interface EvalCliDeps {
  segmenterFactory: SegmenterFactory;
  /** Where the report goes (default process.stdout); progress and errors go to `stderr`. */
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  readImage?: (file: string) => Promise<RgbImage>;
  progress?: ProgressOptions | false;
}

export const EVAL_USAGE = `usage: clearclip eval --dataset NAME --data-root DIR [--work-dir DIR] [--shard i/n] [options]
       clearclip eval --dataset custom --data-root DIR --classes FILE [layout flags] [options]
       clearclip eval --dataset-file FILE.json [options]
       clearclip eval all --data-root DIR [options]       (clearclip eval all --help)
       clearclip eval merge DIR... [--work-dir DIR]

datasets: ${DATASET_NAMES.join(', ')}, ${CUSTOM_DATASET}
  custom                   your own images: the class file gives the classes (its line count, each line's
                           first name); layout defaults images/*.jpg + annotations/*.png, no split file
  --dataset-file FILE      a JSON description of a custom set (fields as these flags: name, dataRoot, classes,
                           imgDir, annDir, split, imgSuffix, segMapSuffix, reduceZeroLabel, ignoreIndex, ...);
                           paths relative to the file; flags override it. Custom runs write one to the work dir.

Every default below is the dataset's upstream value (ClearCLIP configs/cfg_<dataset>.py):
  --img-dir DIR            images, relative to --data-root
  --ann-dir DIR            label maps, relative to --data-root
  --split FILE|none        split file relative to --data-root; 'none' scans --img-dir
  --img-suffix S           e.g. .jpg, _leftImg8bit.png
  --seg-map-suffix S       e.g. .png, _gtFine_labelTrainIds.png
  --reduce-zero-label B    true|false (label 0 ignored, others shifted down)
  --ignore-index N         default 255
  --classes FILE           prompt file: one class per line, comma-separated synonyms
  --preset NAME            default clearclip
  --model NAME             backbone for the segmenter factory
  --weights PATH           weights for the segmenter factory
  --dtype f32|f16          compute precision (default f32; f16 needs shader-f16)
  --vocab FILE             bpe_simple_vocab_16e6.txt.gz (default: $CLEARCLIP_VOCAB, else the hub's files)
  --prob-thd X             pixels below this class probability become class 0
  --logit-scale X          default 50
  --slide-crop N           sliding-window crop (0 = whole image)
  --slide-stride N         default 224
  --resize LONG,SHORT      MMSeg Resize scale with keep_ratio, default 2048,448
  --keep-ratio B           default true (upstream's; false is refused: not implemented)
  --limit N                only the first N images of this shard (smoke runs; not mergeable)
  --shard i/n              evaluate images i, i+n, i+2n, ... of the sorted list (0-based)
  --work-dir DIR           default work_dirs/eval/<dataset>[/shard-i-of-n]
  --no-progress            no progress output
`;

const EVAL_OPTIONS = {
  dataset: { type: 'string' }, 'dataset-file': { type: 'string' }, 'data-root': { type: 'string' }, 'work-dir': { type: 'string' }, shard: { type: 'string' },
  limit: { type: 'string' }, 'img-dir': { type: 'string' }, 'ann-dir': { type: 'string' }, split: { type: 'string' },
  'img-suffix': { type: 'string' }, 'seg-map-suffix': { type: 'string' }, 'reduce-zero-label': { type: 'string' },
  'ignore-index': { type: 'string' }, classes: { type: 'string' }, preset: { type: 'string' }, model: { type: 'string' },
  weights: { type: 'string' }, 'prob-thd': { type: 'string' }, 'logit-scale': { type: 'string' }, 'slide-crop': { type: 'string' },
  'slide-stride': { type: 'string' }, resize: { type: 'string' }, 'keep-ratio': { type: 'string' },
  dtype: { type: 'string' }, vocab: { type: 'string' },
  'no-progress': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

export interface ParsedEvalArgs {
  settings: EvalSettings;
  shard: Shard | undefined;
  limit: number | undefined;
  workDir: string;
  progress: boolean;
  /** A custom set (not one of DATASET_NAMES). */
  custom: boolean;
  /** How the segmenter loads its model (--dtype, --vocab). */
  model: EvalModelOptions;
}

async function writeDatasetFile(workDir: string, s: EvalSettings): Promise<string> {
  const file = path.join(workDir, 'dataset.json');
  await writeFile(file, JSON.stringify(datasetFileOf(s), null, 2) + '\n');
  return file;
}

export function parseEvalArgs(argv: string[]): ParsedEvalArgs | 'help' {
  const { values: v } = parseUsage({ args: argv, options: EVAL_OPTIONS, allowPositionals: false, strict: true });
  if (v.help) return 'help';
  let dataset: string | DatasetDef;
  let dataRoot = v['data-root'];
  let fileOverrides: SettingsOverrides = {};
  try {
    if (v['dataset-file']) {
      if (v.dataset) throw new UsageError('give --dataset or --dataset-file, not both');
      const f = readDatasetFile(v['dataset-file']);
      dataset = v.classes ? customDatasetDef(v.classes, f.def.name) : f.def;
      dataRoot ??= f.dataRoot;
      fileOverrides = f.overrides;
    } else if (v.dataset === CUSTOM_DATASET) {
      if (!v.classes) throw new UsageError('--dataset custom needs --classes FILE (one class per line)');
      dataset = customDatasetDef(v.classes);
    } else {
      if (!v.dataset) throw new UsageError('--dataset (or --dataset-file) is required');
      if (!isDatasetName(v.dataset)) throw new UsageError(`unknown dataset '${v.dataset}'; expected one of ${DATASET_NAMES.join(', ')}, ${CUSTOM_DATASET}`);
      dataset = v.dataset;
    }
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
  if (!dataRoot) throw new UsageError('--data-root is required');
  let resizeScale: [number, number] | undefined;
  if (v.resize !== undefined) {
    const parts = v.resize.split(/[,x]/).map((p) => num('resize', p, true)!);
    if (parts.length !== 2) throw new UsageError(`--resize expects LONG,SHORT, got '${v.resize}'`);
    resizeScale = [parts[0], parts[1]];
  }
  const o: SettingsOverrides = {
    imgDir: v['img-dir'], annDir: v['ann-dir'],
    splitFile: v.split === undefined ? undefined : v.split === 'none' ? null : v.split,
    imgSuffix: v['img-suffix'], segMapSuffix: v['seg-map-suffix'], reduceZeroLabel: bool('reduce-zero-label', v['reduce-zero-label']),
    ignoreIndex: num('ignore-index', v['ignore-index'], true), classesPath: v.classes, preset: v.preset, model: v.model, weights: v.weights,
    probThd: num('prob-thd', v['prob-thd']), logitScale: num('logit-scale', v['logit-scale']), slideCrop: num('slide-crop', v['slide-crop'], true),
    slideStride: num('slide-stride', v['slide-stride'], true), resizeScale, keepRatio: bool('keep-ratio', v['keep-ratio']),
  };
  for (const k of Object.keys(o) as (keyof SettingsOverrides)[]) if (o[k] === undefined) delete o[k];
  let shard: Shard | undefined;
  try {
    shard = v.shard === undefined ? undefined : parseShard(v.shard);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const limit = num('limit', v.limit, true);
  if (limit !== undefined && limit < 1) throw new UsageError(`--limit must be at least 1, got ${limit}`);
  let settings: EvalSettings;
  try {
    settings = resolveSettings(dataset, dataRoot, { ...fileOverrides, ...o });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const workDir = path.resolve(v['work-dir'] ?? path.join('work_dirs', 'eval', settings.dataset, shard && shard.count > 1 ? `shard-${shard.index}-of-${shard.count}` : ''));
  return { settings, shard, limit, workDir, progress: !v['no-progress'], custom: typeof dataset !== 'string', model: modelOptions(v.dtype, v.vocab) };
}

/** `clearclip eval ...` (and `clearclip eval merge ...`); returns the exit code. */
export async function evalCli(argv: string[], deps: EvalCliDeps): Promise<number> {
  if (argv[0] === 'merge') return mergeCli(argv.slice(1), deps);
  if (argv[0] === 'all') return evalAllCli(argv.slice(1), deps);
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  return guarded(stderr, EVAL_USAGE, async () => {
    const a = parseEvalArgs(argv);
    if (a === 'help') {
      stdout.write(EVAL_USAGE);
      return 0;
    }
    const segmenter = await deps.segmenterFactory(a.settings, a.model);
    try {
      const progress = a.progress === false || deps.progress === false ? false : { stream: stderr, ...deps.progress };
      const outcome = await runEval(a.settings, { segmenter, shard: a.shard, limit: a.limit, readImage: deps.readImage, progress });
      const files = await writeOutcome(a.workDir, outcome);
      if (a.custom) files.push(await writeDatasetFile(a.workDir, a.settings));
      stdout.write(terminalReport(outcome));
      stdout.write(`${outcome.imageIds.length} images in ${outcome.seconds.toFixed(1)} s (${(outcome.imageIds.length / Math.max(outcome.seconds, 1e-9)).toFixed(2)} img/s); wrote ${files.map((f) => path.basename(f)).join(', ')} to ${a.workDir}\n`);
    } finally {
      await segmenter.dispose?.();
    }
    return 0;
  });
}

export const MERGE_USAGE = `usage: clearclip eval merge DIR... [--work-dir DIR]
Each DIR holds a shard's areas.json, or has one sub-folder per shard. Writes the merged results.json, .csv, .md
(default work dir: work_dirs/eval/<dataset>-merged).
`;

/** `clearclip eval merge DIR...`: sums shard areas into the metrics of one full run. */
export async function mergeCli(argv: string[], deps: Pick<EvalCliDeps, 'stdout' | 'stderr'> = {}): Promise<number> {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  return guarded(stderr, MERGE_USAGE, async () => {
    const parsed = parseUsage({ args: argv, options: { 'work-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if (parsed.values.help) {
      stdout.write(MERGE_USAGE);
      return 0;
    }
    if (!parsed.positionals.length) throw new UsageError('give the shard folders to merge');
    const outcome = await mergeShards(parsed.positionals);
    const workDir = path.resolve(parsed.values['work-dir'] ?? path.join('work_dirs', 'eval', `${outcome.settings.dataset}-merged`));
    await writeOutcome(workDir, outcome);
    stdout.write(terminalReport(outcome));
    stdout.write(`merged ${outcome.mergedFrom?.length} shard(s), ${outcome.imageIds.length} images; wrote results to ${workDir}\n`);
    return 0;
  });
}

export const CONVERT_USAGE = `usage: clearclip convert-coco-object --data-root DIR [--out-dir DIR] [--split train2017 --split val2017] [--nproc N]
Writes annotations/<split>/<name>_instanceTrainIds.png (COCO-Object labels) from COCO-Stuff164k's raw maps.
`;

/** `clearclip convert-coco-object`: upstream's datasets/cvt_coco_object.py. */
export async function convertCocoObjectCli(argv: string[], deps: Pick<EvalCliDeps, 'stdout' | 'stderr'> = {}): Promise<number> {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  return guarded(stderr, CONVERT_USAGE, async () => {
    const { values: v } = parseUsage({
        args: argv,
        options: { 'data-root': { type: 'string' }, 'out-dir': { type: 'string' }, split: { type: 'string', multiple: true }, nproc: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
        strict: true,
    });
    if (v.help) {
      stdout.write(CONVERT_USAGE);
      return 0;
    }
    if (!v['data-root']) throw new UsageError('--data-root is required');
    const concurrency = num('nproc', v.nproc, true);
    let last = 0;
    const r = await convertCocoObject({
      dataRoot: v['data-root'], outDir: v['out-dir'], splits: v.split, concurrency,
      onFile: (done, total) => {
        if (done === total || done - last >= 1000) {
          last = done;
          stderr.write(`convert-coco-object ${done}/${total}\n`);
        }
      },
    });
    stdout.write(`converted ${Object.entries(r.converted).map(([s, n]) => `${n} ${s}`).join(', ')} label maps into ${r.outDir}/annotations\n`);
    return 0;
  });
}
