import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { addAreas, emptyAreas, type Areas } from './metrics.js';
import { AREAS_FORMAT, type EvalOutcome } from './report.js';
import { settingsKey, type EvalSettings } from './settings.js';

interface AreasFile {
  format: string;
  version: number;
  settings: EvalSettings;
  shard: { index: number; count: number };
  datasetImages: number;
  imageIds: string[];
  areas: { intersect: number[]; union: number[]; predLabel: number[]; label: number[] };
  seconds: number;
}

/** A folder holding areas.json, or a folder whose sub-folders hold one each (all shards under one parent). */
export function findAreaFiles(dirs: string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    const direct = path.join(d, 'areas.json');
    if (existsSync(direct)) {
      out.push(direct);
      continue;
    }
    if (!existsSync(d) || !statSync(d).isDirectory()) throw new Error(`eval merge: ${d} is not a folder`);
    const nested = readdirSync(d, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(path.join(d, e.name, 'areas.json')))
      .map((e) => path.join(d, e.name, 'areas.json'))
      .sort();
    if (!nested.length) throw new Error(`eval merge: no areas.json in ${d} or its sub-folders`);
    out.push(...nested);
  }
  return out;
}

function toAreas(a: AreasFile['areas'], n: number, file: string): Areas {
  const r = emptyAreas(n);
  for (const k of ['intersect', 'union', 'predLabel', 'label'] as const) {
    if (!Array.isArray(a?.[k]) || a[k].length !== n) throw new Error(`eval merge: ${file}: areas.${k} is not an array of ${n} numbers`);
    r[k].set(a[k]);
  }
  return r;
}

/**
 * Sums the shards' areas into the outcome a single run would give. Refuses shards of different datasets or
 * settings, a shard given twice, missing shards, and image lists that overlap or do not cover the dataset.
 */
export async function mergeShards(dirs: string[]): Promise<EvalOutcome> {
  const files = findAreaFiles(dirs);
  const shards: { file: string; a: AreasFile }[] = [];
  for (const file of files) {
    let a: AreasFile;
    try {
      a = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      throw new Error(`eval merge: cannot read ${file}: ${(e as Error).message}`);
    }
    if (a.format !== AREAS_FORMAT || a.version !== 1) throw new Error(`eval merge: ${file} is not a ${AREAS_FORMAT} v1 file`);
    shards.push({ file, a });
  }
  const first = shards[0];
  const key = settingsKey(first.a.settings);
  const count = first.a.shard.count;
  const byIndex = new Map<number, string>();
  for (const { file, a } of shards) {
    if (a.settings.dataset !== first.a.settings.dataset) {
      throw new Error(`eval merge: ${file} is for ${a.settings.dataset} but ${first.file} is for ${first.a.settings.dataset}`);
    }
    if (settingsKey(a.settings) !== key) {
      const diff = Object.keys(a.settings).filter((k) => JSON.stringify((a.settings as any)[k]) !== JSON.stringify((first.a.settings as any)[k]));
      throw new Error(`eval merge: ${file} was run with other settings than ${first.file} (differ in: ${diff.join(', ')})`);
    }
    if (a.shard.count !== count) throw new Error(`eval merge: ${file} is shard ${a.shard.index}/${a.shard.count} but ${first.file} is one of ${count}`);
    if (a.datasetImages !== first.a.datasetImages) throw new Error(`eval merge: ${file} saw ${a.datasetImages} dataset images, ${first.file} saw ${first.a.datasetImages}`);
    const dup = byIndex.get(a.shard.index);
    if (dup) throw new Error(`eval merge: shard ${a.shard.index}/${count} given twice (${dup} and ${file})`);
    byIndex.set(a.shard.index, file);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) throw new Error(`eval merge: missing shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')}`);

  const n = first.a.settings.classNames.length;
  const areas = emptyAreas(n);
  const ids = new Map<string, string>();
  let seconds = 0;
  for (const { file, a } of shards.sort((x, y) => x.a.shard.index - y.a.shard.index)) {
    for (const id of a.imageIds) {
      const other = ids.get(id);
      if (other) throw new Error(`eval merge: image '${id}' is in both ${other} and ${file}`);
      ids.set(id, file);
    }
    addAreas(areas, toAreas(a.areas, n, file));
    seconds += a.seconds;
  }
  if (ids.size !== first.a.datasetImages) {
    throw new Error(`eval merge: the shards cover ${ids.size} of ${first.a.datasetImages} images (was a shard run with --limit?)`);
  }
  return {
    settings: first.a.settings,
    shard: null,
    datasetImages: first.a.datasetImages,
    imageIds: [...ids.keys()].sort(),
    areas,
    seconds,
    mergedFrom: shards.map((s) => path.dirname(s.file)),
  };
}
