import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseClassFile } from '../classes.js';
import { datasetDef, type DatasetDef } from './datasets.js';

/** Everything a run depends on; written to results.json and compared by `eval merge`. */
export interface EvalSettings {
  /** One of DATASET_NAMES, or a custom set's name (see custom.ts). */
  dataset: string;
  dataRoot: string;
  imgDir: string;
  annDir: string;
  splitFile: string | null;
  imgSuffix: string;
  segMapSuffix: string;
  reduceZeroLabel: boolean;
  ignoreIndex: number;
  /** Rows of the result table (MMSeg's metainfo names); their count is the number of classes. */
  classNames: string[];
  /** Where the prompts came from. */
  classesPath: string;
  /** The prompt file's contents: one class per line, comma-separated synonyms (upstream's get_cls_idx format). */
  classesFile: string;
  preset: string;
  /** Backbone name and weights for the segmenter factory; null = the factory's default. */
  model: string | null;
  weights: string | null;
  /** Pixels whose best class probability is below this become class 0 (upstream prob_thd). */
  probThd: number;
  logitScale: number;
  /** Sliding window; slideCrop 0 = upstream whole-image mode (one unpadded forward pass, logits resized straight to the original size). */
  slideCrop: number;
  slideStride: number;
  /** MMSeg Resize scale (long, short) with keep_ratio: the image is scaled to fit within both. */
  resizeScale: [number, number];
  /** Always true: upstream's configs keep the ratio, and the segmenter implements only that (false is refused). */
  keepRatio: boolean;
}

/** Segmentation model as the evaluator sees it (the model package provides it). */
export interface EvalSegmenter {
  /** Predicted label map at the ORIGINAL image size (row-major H*W, class index per pixel). */
  segment(img: { width: number; height: number; data: Uint8Array }, opts: EvalSettings): Promise<Int32Array>;
  dispose?(): void | Promise<void>;
}

/** How the model is loaded, beyond the settings that shape results: from the eval command's --dtype and --vocab. */
export interface EvalModelOptions {
  dtype?: 'f32' | 'f16';
  vocab?: string;
}

export type SegmenterFactory = (s: EvalSettings, model?: EvalModelOptions) => Promise<EvalSegmenter>;

/** packages/clearclip/classes, from src/eval or dist/eval alike. */
export const CLASSES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../classes');

export type SettingsOverrides = Partial<Omit<EvalSettings, 'dataset' | 'classesFile'>>;

/**
 * Upstream defaults for a dataset (ClearCLIP configs + segmentor defaults), then the overrides. A DatasetDef stands
 * for a custom set (custom.ts), whose class file path is absolute.
 */
export function resolveSettings(dataset: string | DatasetDef, dataRoot: string, o: SettingsOverrides = {}): EvalSettings {
  const d = typeof dataset === 'string' ? datasetDef(dataset) : dataset;
  const classesPath = path.resolve(o.classesPath ?? path.resolve(CLASSES_DIR, d.classFile));
  const classesFile = readFileSync(classesPath, 'utf8');
  const classNames = o.classNames ?? [...d.classNames];
  const nPrompts = parseClassFile(classesFile, classesPath).classNames.length;
  if (nPrompts !== classNames.length) {
    throw new Error(`class file ${classesPath} has ${nPrompts} classes but ${d.name} has ${classNames.length}`);
  }
  const s: EvalSettings = {
    dataset: d.name,
    dataRoot: path.resolve(dataRoot),
    imgDir: o.imgDir ?? d.imgDir,
    annDir: o.annDir ?? d.annDir,
    splitFile: o.splitFile !== undefined ? o.splitFile : d.splitFile,
    imgSuffix: o.imgSuffix ?? d.imgSuffix,
    segMapSuffix: o.segMapSuffix ?? d.segMapSuffix,
    reduceZeroLabel: o.reduceZeroLabel ?? d.reduceZeroLabel,
    ignoreIndex: o.ignoreIndex ?? 255,
    classNames,
    classesPath,
    classesFile,
    preset: o.preset ?? 'clearclip',
    model: o.model ?? null,
    weights: o.weights ?? null,
    probThd: o.probThd ?? d.probThd,
    logitScale: o.logitScale ?? 50,
    slideCrop: o.slideCrop ?? d.slideCrop,
    slideStride: o.slideStride ?? 224,
    resizeScale: o.resizeScale ?? [2048, 448],
    keepRatio: o.keepRatio ?? true,
  };
  validateSettings(s);
  return s;
}

export function validateSettings(s: EvalSettings): void {
  const bad = (what: string) => {
    throw new Error(`eval settings: ${what}`);
  };
  if (!(s.probThd >= 0 && s.probThd <= 1)) bad(`prob_thd must be in [0, 1], got ${s.probThd}`);
  if (!(s.logitScale > 0)) bad(`logit_scale must be > 0, got ${s.logitScale}`);
  if (!Number.isInteger(s.slideCrop) || s.slideCrop < 0) bad(`slide crop must be an integer >= 0, got ${s.slideCrop}`);
  if (!Number.isInteger(s.slideStride) || s.slideStride < 1) bad(`slide stride must be an integer >= 1, got ${s.slideStride}`);
  if (s.resizeScale.length !== 2 || !s.resizeScale.every((v) => Number.isInteger(v) && v > 0)) bad(`resize scale must be two positive integers, got ${s.resizeScale}`);
  if (!Number.isInteger(s.ignoreIndex)) bad(`ignore index must be an integer, got ${s.ignoreIndex}`);
  if (s.classNames.length < 1) bad('no classes');
  // Recorded in results for comparison with upstream's configs; a resize that ignores the ratio is not implemented.
  if (s.keepRatio !== true) bad('keep_ratio false is not supported (upstream ClearCLIP always keeps the ratio)');
}

/** The settings that must agree between shards (paths may differ from machine to machine). */
export function settingsKey(s: EvalSettings): string {
  const { dataRoot: _r, classesPath: _c, ...rest } = s;
  const rec = rest as Record<string, unknown>;
  return JSON.stringify(Object.keys(rec).sort().map((k) => [k, rec[k]]));
}
