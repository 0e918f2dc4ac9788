/**
 * Tiny datasets in each benchmark's MMSeg layout, written to a temp folder, with a fake segmenter whose prediction
 * is written into the image itself: red channel = predicted class (254 means -1, out of range), green = noise.
 * Images are PNG bytes even where the layout says .jpg (readImage sniffs the format, not the name), so the
 * prediction survives exactly.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pngjs from 'pngjs';
import { DATASETS, encodeIndexPng, type DatasetName, type EvalSegmenter } from 'clearclip/eval';
import { rng } from '../../helpers/random.js';

export interface BuiltImage {
  id: string;
  width: number;
  height: number;
  /** What the fake segmenter will return. */
  pred: Int32Array;
  /** Label values the metric must see (after reduce_zero_label / conversion), computed here independently. */
  label: Uint8Array;
  /** In the split file / image folder? (VOC/Context split files leave some images out.) */
  listed: boolean;
}

export function writeRgbPng(file: string, width: number, height: number, rgb: Uint8Array): void {
  const png = new pngjs.PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    png.data[4 * i] = rgb[3 * i];
    png.data[4 * i + 1] = rgb[3 * i + 1];
    png.data[4 * i + 2] = rgb[3 * i + 2];
    png.data[4 * i + 3] = 255;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, pngjs.PNG.sync.write(png));
}

export const fakeSegmenter: EvalSegmenter = {
  async segment(img) {
    const out = new Int32Array(img.width * img.height);
    for (let i = 0; i < out.length; i++) {
      const r = img.data[3 * i];
      out[i] = r === 254 ? -1 : r;
    }
    return out;
  },
};

function write(file: string, bytes: Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

const VOC_PALETTE: [number, number, number][] = Array.from({ length: 256 }, (_, i) => [(i * 37) % 256, (i * 91 + 7) % 256, (i * 13 + 100) % 256]);

/**
 * Writes `count` images (+ labels) for `name` under root and returns what the metric should see.
 * rawClasses: how many raw label values the files use before any reduction.
 */
export function buildDataset(root: string, name: DatasetName, seed: number, count = 5): BuiltImage[] {
  const d = DATASETS[name];
  const n = d.classNames.length;
  const r = rng(seed);
  const images: BuiltImage[] = [];
  const isCoco = name === 'coco-object' || name === 'coco-stuff164k';
  for (let k = 0; k < count; k++) {
    const width = 5 + Math.floor(r() * 9);
    const height = 4 + Math.floor(r() * 8);
    const id =
      name === 'cityscapes' ? `${k % 2 ? 'lindau' : 'frankfurt'}/${k % 2 ? 'lindau' : 'frankfurt'}_${String(k).padStart(6, '0')}_000019`
      : isCoco ? String(139 + k * 1000).padStart(12, '0')
      : name === 'ade20k' ? `ADE_val_${String(k + 1).padStart(8, '0')}`
      : `2008_${String(k * 7).padStart(6, '0')}`;
    const npx = width * height;
    const pred = new Int32Array(npx);
    const raw = new Uint8Array(npx);
    const label = new Uint8Array(npx);
    // Only a few classes per image, so some classes end up absent everywhere (NaN) and some only predicted (IoU 0).
    const palette = Array.from({ length: 4 }, () => Math.floor(r() * n));
    for (let i = 0; i < npx; i++) {
      const u = r();
      pred[i] = u < 0.05 ? -1 : u < 0.08 ? n + Math.floor(r() * 3) : palette[Math.floor(r() * 4)];
      const agree = r() < 0.6 && pred[i] >= 0 && pred[i] < n;
      const v = r();
      let lab = agree ? pred[i] : v < 0.1 ? 255 : palette[Math.floor(r() * 4)];
      if (name === 'coco-object') {
        // Raw COCO-Stuff ids; the metric label follows cvt_coco_object's table, checked independently below.
        const rawId = v < 0.1 ? 255 : r() < 0.5 ? COCO_THING_IDS[Math.floor(r() * 80)] : 91 + Math.floor(r() * 91);
        raw[i] = rawId;
        label[i] = rawId === 255 || rawId >= 91 ? 0 : COCO_THING_IDS.indexOf(rawId) + 1;
        continue;
      }
      if (d.reduceZeroLabel) {
        // Files hold 0 = ignored background, k+1 = class k; 255 stays ignored.
        raw[i] = lab === 255 ? (r() < 0.5 ? 0 : 255) : lab + 1;
        label[i] = raw[i] === 0 ? 255 : raw[i] === 255 ? 255 : raw[i] - 1;
      } else {
        raw[i] = lab;
        label[i] = lab;
      }
    }
    const listed = !(d.splitFile && k === count - 1);
    const rgb = new Uint8Array(3 * npx);
    for (let i = 0; i < npx; i++) {
      rgb[3 * i] = pred[i] === -1 ? 254 : pred[i];
      rgb[3 * i + 1] = Math.floor(r() * 256);
      rgb[3 * i + 2] = 7;
    }
    writeRgbPng(path.join(root, d.imgDir, id + d.imgSuffix), width, height, rgb);
    const labelPng = name.startsWith('voc') ? encodeIndexPng({ width, height, data: raw }, VOC_PALETTE) : encodeIndexPng({ width, height, data: raw });
    if (name === 'coco-object') write(path.join(root, d.annDir, `${id}.png`), labelPng);
    else write(path.join(root, d.annDir, id + d.segMapSuffix), labelPng);
    if (isCoco && name === 'coco-stuff164k') {
      // The raw map sits beside the train-id map in a prepared COCO-Stuff tree; it must not be mistaken for a label.
      write(path.join(root, d.annDir, `${id}.png`), encodeIndexPng({ width, height, data: new Uint8Array(npx).fill(3) }));
    }
    images.push({ id, width, height, pred, label, listed });
  }
  if (d.splitFile) {
    // Split order differs from sorted order on purpose; the last image is left out of the split.
    const ids = images.filter((im) => im.listed).map((im) => im.id).reverse();
    write(path.join(root, d.splitFile), Buffer.from(ids.join('\n') + '\n'));
  }
  return images.filter((im) => im.listed);
}

/** 0-based COCO thing ids in the raw COCO-Stuff maps (the 80 keys <= 90 of upstream's clsID_to_trID). */
export const COCO_THING_IDS = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 26, 27, 30, 31, 32, 33, 34, 35, 36,
  37, 38, 39, 40, 41, 42, 43, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 66, 69,
  71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 83, 84, 85, 86, 87, 88, 89,
];

/** Brute-force MMSeg metric, written from the definitions (union as a set count), for cross-checking. */
export function bruteForce(images: { pred: ArrayLike<number>; label: ArrayLike<number> }[], n: number, ignore = 255) {
  const I = new Array(n).fill(0), U = new Array(n).fill(0), P = new Array(n).fill(0), L = new Array(n).fill(0);
  for (const im of images) {
    for (let c = 0; c < n; c++) {
      for (let i = 0; i < im.label.length; i++) {
        if (im.label[i] === ignore) continue;
        const p = im.pred[i] === c, l = im.label[i] === c;
        if (p && l) I[c]++;
        if (p || l) U[c]++;
        if (p) P[c]++;
        if (l) L[c]++;
      }
    }
  }
  const iou = I.map((x, c) => (U[c] ? x / U[c] : NaN));
  const acc = I.map((x, c) => (L[c] ? x / L[c] : NaN));
  const valid = (v: number[]) => v.filter((x) => !Number.isNaN(x));
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  return { I, U, P, L, iou, acc, mIoU: mean(valid(iou)), mAcc: mean(valid(acc)), aAcc: sum(I) / sum(L) };
}
