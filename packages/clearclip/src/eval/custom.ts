import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseClassFile } from '../classes.js';
import type { DatasetDef } from './datasets.js';
import type { EvalSettings, SettingsOverrides } from './settings.js';

/** `--dataset custom`: a user's own labelled images in MMSeg's BaseSegDataset layout. */
export const CUSTOM_DATASET = 'custom';

/**
 * Layout and inference defaults of a custom set: MMSeg's usual images/ + annotations/ folders, and the inference
 * settings `clearclip segment` uses, so an eval scores what a user sees from segment. Every field can be overridden.
 */
export const CUSTOM_DEFAULTS = {
  imgDir: 'images',
  annDir: 'annotations',
  splitFile: null,
  imgSuffix: '.jpg',
  segMapSuffix: '.png',
  reduceZeroLabel: false,
  probThd: 0,
  slideCrop: 448,
} as const;

/**
 * A custom set is defined by its class file: the number of classes is its line count and the class names (rows
 * of the result table) are each line's first name, so prompt file and table can never disagree.
 */
export function customDatasetDef(classesPath: string, name = CUSTOM_DATASET): DatasetDef {
  const abs = path.resolve(classesPath);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new Error(`custom dataset: class file ${abs}: ${(e as Error).message}`);
  }
  return { name, mmsegType: 'BaseSegDataset', ...CUSTOM_DEFAULTS, classFile: abs, classNames: parseClassFile(text, abs).classNames };
}

/**
 * A dataset description file (JSON): the same fields as the eval flags, so a custom set is one flag to reuse.
 * `dataRoot` and `classes` are relative to the file's folder; `split`, `imgDir`, `annDir` to dataRoot, as the flags.
 */
export interface DatasetFile {
  name?: string;
  dataRoot?: string;
  classes: string;
  imgDir?: string;
  annDir?: string;
  /** Split file, or null for every image under imgDir. */
  split?: string | null;
  imgSuffix?: string;
  segMapSuffix?: string;
  reduceZeroLabel?: boolean;
  ignoreIndex?: number;
  probThd?: number;
  logitScale?: number;
  slideCrop?: number;
  slideStride?: number;
  resize?: [number, number];
  keepRatio?: boolean;
}

const FIELD_TYPES: Record<keyof DatasetFile, string> = {
  name: 'string', dataRoot: 'string', classes: 'string', imgDir: 'string', annDir: 'string', split: 'string|null',
  imgSuffix: 'string', segMapSuffix: 'string', reduceZeroLabel: 'boolean', ignoreIndex: 'number', probThd: 'number',
  logitScale: 'number', slideCrop: 'number', slideStride: 'number', resize: 'array', keepRatio: 'boolean',
};

export interface LoadedDatasetFile {
  def: DatasetDef;
  /** Absolute, or undefined when the file leaves it to --data-root. */
  dataRoot: string | undefined;
  overrides: SettingsOverrides;
}

/** Reads and checks a dataset description file (unknown or mistyped fields are errors, not silently ignored). */
export function readDatasetFile(file: string): LoadedDatasetFile {
  const abs = path.resolve(file);
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(readFileSync(abs, 'utf8'));
  } catch (e) {
    throw new Error(`dataset file ${abs}: ${(e as Error).message}`);
  }
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw new Error(`dataset file ${abs}: expected a JSON object`);
  for (const [k, v] of Object.entries(j)) {
    const want = FIELD_TYPES[k as keyof DatasetFile];
    if (!want) throw new Error(`dataset file ${abs}: unknown field "${k}" (known: ${Object.keys(FIELD_TYPES).join(', ')})`);
    const got = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
    if (!want.split('|').includes(got)) throw new Error(`dataset file ${abs}: "${k}" must be ${want.replace('|', ' or ')}, got ${got}`);
  }
  const f = j as unknown as DatasetFile;
  if (!f.classes) throw new Error(`dataset file ${abs}: "classes" (the class file) is required`);
  const here = path.dirname(abs);
  const def = customDatasetDef(path.resolve(here, f.classes), f.name ?? CUSTOM_DATASET);
  const o: SettingsOverrides = {
    imgDir: f.imgDir, annDir: f.annDir, splitFile: f.split, imgSuffix: f.imgSuffix, segMapSuffix: f.segMapSuffix,
    reduceZeroLabel: f.reduceZeroLabel, ignoreIndex: f.ignoreIndex, probThd: f.probThd, logitScale: f.logitScale,
    slideCrop: f.slideCrop, slideStride: f.slideStride, resizeScale: f.resize, keepRatio: f.keepRatio,
  };
  for (const k of Object.keys(o) as (keyof SettingsOverrides)[]) if (o[k] === undefined) delete o[k];
  return { def, dataRoot: f.dataRoot === undefined ? undefined : path.resolve(here, f.dataRoot), overrides: o };
}

/** The description file of a resolved custom run: written to its work dir so the set is one flag to reuse. */
export function datasetFileOf(s: EvalSettings): DatasetFile {
  return {
    name: s.dataset, dataRoot: s.dataRoot, classes: s.classesPath, imgDir: s.imgDir, annDir: s.annDir, split: s.splitFile,
    imgSuffix: s.imgSuffix, segMapSuffix: s.segMapSuffix, reduceZeroLabel: s.reduceZeroLabel, ignoreIndex: s.ignoreIndex,
    probThd: s.probThd, logitScale: s.logitScale, slideCrop: s.slideCrop, slideStride: s.slideStride, resize: s.resizeScale, keepRatio: s.keepRatio,
  };
}
