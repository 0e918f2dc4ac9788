import path from 'node:path';
import { PAPER_ORDER, runAll, STANDARD_ROOTS } from '../eval/all.js';
import { isDatasetName, type DatasetName } from '../eval/datasets.js';
import type { SettingsOverrides } from '../eval/settings.js';
import { parseShard, type Shard } from '../eval/shard.js';
import { summaryMd, summaryRows, writeSummary } from '../eval/summary.js';
import type { EvalCliDeps } from './eval.js';
import { UsageError, bool, guarded, modelOptions, num, parseUsage } from './eval-args.js';

export const EVAL_ALL_USAGE = `usage: clearclip eval all --data-root DIR [--root NAME=DIR]... [--datasets a,b,...] [--work-dir DIR] [--shard i/n] [options]

Runs every benchmark found under --data-root (MMSeg's standard folders), skipping and listing those that are
not there, and writes summary.md, summary.csv, summary.json (dataset x mIoU/aAcc/mAcc, with the paper's ClearCLIP
ViT-B/16 mIoU beside ours) to the work dir. Each dataset's own results go to <work-dir>/<dataset>/. A dataset that
already finished with the same settings is not run again, so an interrupted run resumes where it stopped.

  --data-root DIR          holds ${PAPER_ORDER.map((n) => `${n}: ${STANDARD_ROOTS[n]}`).join(', ')}
  --root NAME=DIR          another folder for one dataset (repeatable)
  --datasets LIST          only these (default all, in the paper's order)
  --work-dir DIR           default work_dirs/eval-all
  --shard i/n              shard i of every dataset, into <dataset>/shard-i-of-n; the summary merges each dataset
                           whose n shards have all finished and lists the shards still to run
  --limit N                only the first N images of each dataset (smoke runs)
  --preset, --model, --weights, --dtype, --vocab, --logit-scale, --resize, --keep-ratio
                           as for a single eval, for every dataset
  --no-progress            no progress output
`;

const OPTIONS = {
  'data-root': { type: 'string' }, root: { type: 'string', multiple: true }, datasets: { type: 'string' }, 'work-dir': { type: 'string' },
  shard: { type: 'string' }, limit: { type: 'string' }, preset: { type: 'string' }, model: { type: 'string' }, weights: { type: 'string' },
  'logit-scale': { type: 'string' }, resize: { type: 'string' }, 'keep-ratio': { type: 'string' }, dtype: { type: 'string' }, vocab: { type: 'string' }, 'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function datasetList(s: string): DatasetName[] {
  return s.split(',').map((n) => {
    const name = n.trim();
    if (!isDatasetName(name)) throw new UsageError(`--datasets: unknown dataset '${name}' (known: ${PAPER_ORDER.join(', ')})`);
    return name;
  });
}

function rootOverrides(list: string[] = []): Partial<Record<DatasetName, string>> {
  const roots: Partial<Record<DatasetName, string>> = {};
  for (const item of list) {
    const k = item.indexOf('=');
    const name = item.slice(0, k);
    if (k < 1 || !isDatasetName(name)) throw new UsageError(`--root expects NAME=DIR with NAME one of ${PAPER_ORDER.join(', ')}, got '${item}'`);
    roots[name] = item.slice(k + 1);
  }
  return roots;
}

/** `clearclip eval all ...`: every benchmark present, one summary. Exit 1 if a present dataset failed. */
export async function evalAllCli(argv: string[], deps: EvalCliDeps): Promise<number> {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  return guarded(stderr, EVAL_ALL_USAGE, async () => {
    const { values: v } = parseUsage({ args: argv, options: OPTIONS, strict: true });
    if (v.help) {
      stdout.write(EVAL_ALL_USAGE);
      return 0;
    }
    if (!v['data-root']) throw new UsageError('--data-root is required');
    let shard: Shard | undefined;
    try {
      shard = v.shard === undefined ? undefined : parseShard(v.shard);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const limit = num('limit', v.limit, true);
    if (limit !== undefined && limit < 1) throw new UsageError(`--limit must be at least 1, got ${limit}`);
    let resizeScale: [number, number] | undefined;
    if (v.resize !== undefined) {
      const parts = v.resize.split(/[,x]/).map((p) => num('resize', p, true)!);
      if (parts.length !== 2) throw new UsageError(`--resize expects LONG,SHORT, got '${v.resize}'`);
      resizeScale = [parts[0], parts[1]];
    }
    const overrides: SettingsOverrides = { preset: v.preset, model: v.model, weights: v.weights, logitScale: num('logit-scale', v['logit-scale']), resizeScale, keepRatio: bool('keep-ratio', v['keep-ratio']) };
    for (const k of Object.keys(overrides) as (keyof SettingsOverrides)[]) if (overrides[k] === undefined) delete overrides[k];
    const workDir = path.resolve(v['work-dir'] ?? path.join('work_dirs', 'eval-all'));
    const progress = v['no-progress'] || deps.progress === false ? false : { stream: stderr, ...deps.progress };
    const runs = await runAll({
      dataRoot: v['data-root'], roots: rootOverrides(v.root), datasets: v.datasets ? datasetList(v.datasets) : undefined, workDir, overrides,
      shard, limit, segmenterFactory: deps.segmenterFactory, model: modelOptions(v.dtype, v.vocab), progress, log: (m) => stderr.write(`eval all: ${m}\n`),
    });
    const files = await writeSummary(workDir, runs);
    stdout.write(summaryMd(summaryRows(runs)));
    stdout.write(`wrote ${files.map((f) => path.basename(f)).join(', ')} to ${workDir}\n`);
    return runs.some((r) => r.status === 'failed') ? 1 : 0;
  });
}
