/**
 * A custom dataset in a layout of the user's choosing, for `clearclip eval --dataset custom`: images whose red
 * channel is what the fake segmenter (build-datasets.ts) predicts, and label maps written as grayscale PNGs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeIndexPng } from 'clearclip/eval';
import { rng } from '../../helpers/random.js';
import { writeRgbPng } from './build-datasets.js';

export interface CustomLayout {
  imgDir: string;
  annDir: string;
  imgSuffix: string;
  segMapSuffix: string;
  ignoreIndex: number;
}

export interface CustomImage {
  pred: Int32Array;
  label: Uint8Array;
}

export function writeFile(file: string, bytes: Uint8Array | string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
}

/** `count` images over `numClasses` classes; labels agree with the prediction on about half the pixels. */
export function buildCustom(root: string, layout: CustomLayout, numClasses: number, seed: number, count = 4): CustomImage[] {
  const r = rng(seed);
  const out: CustomImage[] = [];
  for (let k = 0; k < count; k++) {
    const width = 6 + Math.floor(r() * 8);
    const height = 5 + Math.floor(r() * 8);
    const n = width * height;
    const pred = new Int32Array(n);
    const label = new Uint8Array(n);
    const rgb = new Uint8Array(3 * n);
    for (let i = 0; i < n; i++) {
      pred[i] = Math.floor(r() * numClasses);
      const v = r();
      label[i] = v < 0.5 ? pred[i] : v < 0.6 ? layout.ignoreIndex : Math.floor(r() * numClasses);
      rgb[3 * i] = pred[i];
      rgb[3 * i + 1] = Math.floor(r() * 256);
    }
    const id = `sub${k % 2}/img_${k}`;
    writeRgbPng(path.join(root, layout.imgDir, id + layout.imgSuffix), width, height, rgb);
    writeFile(path.join(root, layout.annDir, id + layout.segMapSuffix), encodeIndexPng({ width, height, data: label }));
    out.push({ pred, label });
  }
  return out;
}
