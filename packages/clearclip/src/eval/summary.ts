import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PAPER_MIOU, type DatasetRun } from './all.js';
import { areasToMetrics, percent2 } from './metrics.js';

/** One row of the all-benchmarks table: ours beside the paper's ClearCLIP ViT-B/16 mIoU. */
export interface SummaryRow {
  dataset: string;
  status: DatasetRun['status'];
  /** Percentages, 2 decimals (MMSeg's rounding); null when the dataset has no complete metric. */
  mIoU: number | null;
  aAcc: number | null;
  mAcc: number | null;
  images: number | null;
  paperMIoU: number;
  /** Ours minus the paper's mIoU. */
  delta: number | null;
  root: string;
  note: string | null;
}

export const SUMMARY_FORMAT = 'clearclip-eval-summary';

const pct = (v: number) => (Number.isNaN(v) ? null : percent2(v));

export function summaryRows(runs: DatasetRun[]): SummaryRow[] {
  return runs.map((r) => {
    const m = r.outcome ? areasToMetrics(r.outcome.areas) : null;
    const mIoU = m ? pct(m.mIoU) : null;
    const paper = PAPER_MIOU[r.dataset];
    return {
      dataset: r.dataset,
      status: r.status,
      mIoU,
      aAcc: m ? pct(m.aAcc) : null,
      mAcc: m ? pct(m.mAcc) : null,
      images: r.outcome ? r.outcome.imageIds.length : null,
      paperMIoU: paper,
      delta: mIoU === null ? null : Math.round((mIoU - paper) * 100) / 100,
      root: r.root,
      note: r.note ?? null,
    };
  });
}

const cell = (v: number | null) => (v === null ? '-' : v.toFixed(2));
const signed = (v: number | null) => (v === null ? '-' : `${v > 0 ? '+' : ''}${v.toFixed(2)}`);

export function summaryMd(rows: SummaryRow[]): string {
  const done = rows.filter((r) => r.mIoU !== null);
  const mean = (k: 'mIoU' | 'paperMIoU') => done.reduce((a, r) => a + (r[k] as number), 0) / done.length;
  const lines = [
    '# ClearCLIP evaluation: all benchmarks',
    '',
    '| dataset | mIoU | aAcc | mAcc | images | paper mIoU (ClearCLIP ViT-B/16) | ours - paper | status |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.dataset} | ${cell(r.mIoU)} | ${cell(r.aAcc)} | ${cell(r.mAcc)} | ${r.images ?? '-'} | ${r.paperMIoU.toFixed(1)} | ${signed(r.delta)} | ${r.status}${r.note ? `: ${r.note.replace(/\|/g, '\\|')}` : ''} |`),
  ];
  if (done.length) lines.push(`| mean of the ${done.length} evaluated | ${mean('mIoU').toFixed(2)} | | | | ${mean('paperMIoU').toFixed(2)} | ${signed(Math.round((mean('mIoU') - mean('paperMIoU')) * 100) / 100)} | |`);
  const skipped = rows.filter((r) => r.status === 'missing');
  if (skipped.length) lines.push('', `Not found (skipped): ${skipped.map((r) => `${r.dataset} (${r.note})`).join('; ')}.`);
  return lines.join('\n') + '\n';
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function summaryCsv(rows: SummaryRow[]): string {
  const head = 'dataset,mIoU,aAcc,mAcc,images,paper_mIoU,delta_mIoU,status,note';
  const v = (x: number | null) => (x === null ? '' : String(x));
  return [head, ...rows.map((r) => [r.dataset, v(r.mIoU), v(r.aAcc), v(r.mAcc), v(r.images), r.paperMIoU.toFixed(1), v(r.delta), r.status, csvCell(r.note ?? '')].join(','))].join('\n') + '\n';
}

export function summaryJson(rows: SummaryRow[]) {
  return { format: SUMMARY_FORMAT, version: 1, paper: 'Lan et al., ClearCLIP, ECCV 2024, ViT-B/16 mIoU', rows };
}

/** summary.md, summary.csv, summary.json in workDir (each written to a temp name, then renamed). */
export async function writeSummary(workDir: string, runs: DatasetRun[]): Promise<string[]> {
  await mkdir(workDir, { recursive: true });
  const rows = summaryRows(runs);
  const files: [string, string][] = [
    ['summary.md', summaryMd(rows)],
    ['summary.csv', summaryCsv(rows)],
    ['summary.json', JSON.stringify(summaryJson(rows), null, 2) + '\n'],
  ];
  for (const [name, text] of files) {
    const file = path.join(workDir, name);
    await writeFile(`${file}.tmp-${process.pid}`, text);
    await rename(`${file}.tmp-${process.pid}`, file);
  }
  return files.map(([n]) => path.join(workDir, n));
}
