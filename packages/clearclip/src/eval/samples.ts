import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeIndexPng, type IndexImage } from './png-index.js';
import type { EvalSettings } from './settings.js';

export interface Sample {
  /** Image name relative to imgDir, without the image suffix: what results and shards are keyed by. */
  id: string;
  imgPath: string;
  segPath: string;
}

async function walk(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, r)));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

/**
 * The evaluated images, as MMSeg's BaseSegDataset.load_data_list finds them: the split file's names (stripped,
 * blank lines skipped) plus the image suffix, or every file under imgDir (recursively) ending in the image suffix;
 * the label is the same relative name with the label suffix in annDir. Returned sorted by id, so shards are
 * deterministic whatever the split file's order (the metric does not depend on order).
 */
export async function listSamples(s: EvalSettings): Promise<Sample[]> {
  const imgDir = path.resolve(s.dataRoot, s.imgDir);
  const annDir = path.resolve(s.dataRoot, s.annDir);
  if (!existsSync(imgDir) || !statSync(imgDir).isDirectory()) {
    throw new Error(`${s.dataset}: image folder ${imgDir} not found (--data-root ${s.dataRoot}, --img-dir ${s.imgDir})`);
  }
  let ids: string[];
  if (s.splitFile) {
    const split = path.resolve(s.dataRoot, s.splitFile);
    if (!existsSync(split)) throw new Error(`${s.dataset}: split file ${split} not found (--split to change it, --split none to scan ${s.imgDir})`);
    if (statSync(split).isDirectory()) throw new Error(`${s.dataset}: split file ${split} is a directory`);
    ids = (await readFile(split, 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
    if (ids.length === 0) throw new Error(`${s.dataset}: split file ${split} lists no images (it is empty)`);
  } else {
    ids = (await walk(imgDir)).filter((f) => f.endsWith(s.imgSuffix)).map((f) => f.slice(0, f.length - s.imgSuffix.length));
  }
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new Error(`${s.dataset}: image '${id}' is listed twice`);
    seen.add(id);
  }
  ids.sort();
  if (ids.length === 0) throw new Error(`${s.dataset}: no images found in ${imgDir} with suffix '${s.imgSuffix}'`);
  return ids.map((id) => ({ id, imgPath: path.join(imgDir, id + s.imgSuffix), segPath: path.join(annDir, id + s.segMapSuffix) }));
}

/** Fails before any model work when files are missing, naming the first few. */
export function checkSamplesExist(samples: Sample[], dataset: string): void {
  const missing: string[] = [];
  for (const sm of samples) {
    if (!existsSync(sm.imgPath)) missing.push(sm.imgPath);
    if (!existsSync(sm.segPath)) missing.push(sm.segPath);
  }
  if (missing.length) {
    throw new Error(`${dataset}: ${missing.length} file(s) missing, e.g.\n  ${missing.slice(0, 5).join('\n  ')}`);
  }
}

/** MMSeg LoadAnnotations on uint8 labels: with reduce_zero_label, 0 -> 255, k -> k-1, 255 stays 255. */
export function reduceZeroLabel(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    out[i] = v === 0 || v === 255 ? 255 : v - 1;
  }
  return out;
}

export async function readLabel(file: string, reduceZero: boolean): Promise<IndexImage> {
  const img = decodeIndexPng(await readFile(file), file);
  return reduceZero ? { ...img, data: reduceZeroLabel(img.data) } : img;
}
