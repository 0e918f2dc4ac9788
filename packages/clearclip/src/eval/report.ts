import { mkdir, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { areasToMetrics, percent2, type Areas, type Metrics } from './metrics.js';
import type { EvalSettings } from './settings.js';
import type { Shard } from './shard.js';

/** What one run (or a merge of shards) produced. */
export interface EvalOutcome {
  settings: EvalSettings;
  /** null for a full run or a merge. */
  shard: Shard | null;
  /** Images in the whole dataset, and the ids evaluated here. */
  datasetImages: number;
  imageIds: string[];
  areas: Areas;
  seconds: number;
  /** Set by `eval merge`: the shard folders summed. */
  mergedFrom?: string[];
}

export const AREAS_FORMAT = 'clearclip-eval-areas';
export const RESULTS_FORMAT = 'clearclip-eval-results';

const fmt = (v: number) => (Number.isNaN(v) ? 'nan' : percent2(v).toFixed(2));
const nullable = (v: number) => (Number.isNaN(v) ? null : percent2(v));

function center(s: string, w: number): string {
  const pad = w - s.length;
  const left = Math.floor(pad / 2);
  return ' '.repeat(left) + s + ' '.repeat(pad - left);
}

/** The per-class table in PrettyTable's layout, as MMSeg logs it (percentages, 2 decimals, 'nan' if undefined). */
export function classTable(classNames: readonly string[], m: Metrics): string {
  const rows = classNames.map((c, i) => [c, fmt(m.iou[i]), fmt(m.acc[i])]);
  const head = ['Class', 'IoU', 'Acc'];
  const w = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)) + 2);
  const rule = '+' + w.map((x) => '-'.repeat(x)).join('+') + '+';
  const line = (r: string[]) => '|' + r.map((c, k) => center(c, w[k])).join('|') + '|';
  return [rule, line(head), rule, ...rows.map(line), rule].join('\n');
}

export function summaryLine(m: Metrics): string {
  return `aAcc: ${fmt(m.aAcc)}  mIoU: ${fmt(m.mIoU)}  mAcc: ${fmt(m.mAcc)}`;
}

export function resultsJson(o: EvalOutcome) {
  const m = areasToMetrics(o.areas);
  const images = o.imageIds.length;
  return {
    format: RESULTS_FORMAT,
    version: 1,
    dataset: o.settings.dataset,
    partial: o.shard !== null && o.shard.count > 1,
    shard: o.shard,
    mergedFrom: o.mergedFrom ?? null,
    settings: o.settings,
    summary: { aAcc: nullable(m.aAcc), mIoU: nullable(m.mIoU), mAcc: nullable(m.mAcc) },
    summaryFractions: { aAcc: m.aAcc, mIoU: m.mIoU, mAcc: m.mAcc },
    perClass: o.settings.classNames.map((c, i) => ({ class: c, IoU: nullable(m.iou[i]), Acc: nullable(m.acc[i]) })),
    counts: {
      numClasses: o.settings.classNames.length,
      classesInMIoU: m.validIoU,
      classesInMAcc: m.validAcc,
      labelledPixels: o.areas.label.reduce((a, b) => a + b, 0),
    },
    areas: areasToJson(o.areas),
    images: { evaluated: images, inDataset: o.datasetImages },
    seconds: o.seconds,
    imagesPerSecond: o.seconds > 0 ? images / o.seconds : null,
  };
}

export function areasToJson(a: Areas) {
  return { intersect: Array.from(a.intersect), union: Array.from(a.union), predLabel: Array.from(a.predLabel), label: Array.from(a.label) };
}

export function areasJson(o: EvalOutcome) {
  return {
    format: AREAS_FORMAT,
    version: 1,
    dataset: o.settings.dataset,
    settings: o.settings,
    shard: o.shard ?? { index: 0, count: 1 },
    datasetImages: o.datasetImages,
    imageIds: o.imageIds,
    areas: areasToJson(o.areas),
    seconds: o.seconds,
  };
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function resultsCsv(o: EvalOutcome): string {
  const m = areasToMetrics(o.areas);
  const a = o.areas;
  const lines = ['class,IoU,Acc,area_intersect,area_union,area_pred_label,area_label'];
  o.settings.classNames.forEach((c, i) => {
    lines.push([csvCell(c), fmt(m.iou[i]), fmt(m.acc[i]), a.intersect[i], a.union[i], a.predLabel[i], a.label[i]].join(','));
  });
  lines.push(`mean,${fmt(m.mIoU)},${fmt(m.mAcc)},,,,`);
  lines.push(`aAcc,${fmt(m.aAcc)},,,,,`);
  return lines.join('\n') + '\n';
}

export function resultsMd(o: EvalOutcome): string {
  const m = areasToMetrics(o.areas);
  const s = o.settings;
  const scope = o.shard && o.shard.count > 1 ? ` (shard ${o.shard.index}/${o.shard.count}, partial)` : '';
  const out = [
    `# ClearCLIP evaluation: ${s.dataset}${scope}`,
    '',
    `| aAcc | mIoU | mAcc | images |`,
    `|---:|---:|---:|---:|`,
    `| ${fmt(m.aAcc)} | ${fmt(m.mIoU)} | ${fmt(m.mAcc)} | ${o.imageIds.length} / ${o.datasetImages} |`,
    '',
    `Settings: preset ${s.preset}, model ${s.model ?? 'default'}, prob_thd ${s.probThd}, logit_scale ${s.logitScale}, ` +
      `slide crop ${s.slideCrop} stride ${s.slideStride}, resize scale (${s.resizeScale.join(', ')})${s.keepRatio ? ' keep ratio' : ''}, ` +
      `reduce_zero_label ${s.reduceZeroLabel}, ignore index ${s.ignoreIndex}.`,
    '',
    '| Class | IoU | Acc |',
    '|---|---:|---:|',
    ...s.classNames.map((c, i) => `| ${c.replace(/\|/g, '\\|')} | ${fmt(m.iou[i])} | ${fmt(m.acc[i])} |`),
    '',
  ];
  return out.join('\n');
}

async function atomicWrite(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** results.json/.csv/.md and areas.json in workDir. */
export async function writeOutcome(workDir: string, o: EvalOutcome): Promise<string[]> {
  await mkdir(workDir, { recursive: true });
  const files: [string, string][] = [
    ['areas.json', JSON.stringify(areasJson(o)) + '\n'],
    ['results.json', JSON.stringify(resultsJson(o), null, 2) + '\n'],
    ['results.csv', resultsCsv(o)],
    ['results.md', resultsMd(o)],
  ];
  for (const [name, text] of files) await atomicWrite(path.join(workDir, name), text);
  return files.map(([n]) => path.join(workDir, n));
}

/** Terminal report: the class table, then the summary. */
export function terminalReport(o: EvalOutcome): string {
  const m = areasToMetrics(o.areas);
  const scope = o.shard && o.shard.count > 1 ? ` [shard ${o.shard.index}/${o.shard.count}: partial areas, merge for the real metric]` : '';
  return `per class results (${o.settings.dataset}, ${o.imageIds.length} images)${scope}:\n${classTable(o.settings.classNames, m)}\n${summaryLine(m)}\n`;
}
