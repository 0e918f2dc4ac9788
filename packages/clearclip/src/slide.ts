import type { WindowBox, WindowGeometry } from './ops/window-merge.js';

/**
 * Upstream's sliding-window grid: ceil-style counts `max(H - crop + stride - 1, 0) // stride + 1`, windows at
 * i*stride with the last one shifted back to end at the border, each window (min(crop, side) pixels) padded
 * centred to a patch multiple: pad = p - side % p, top/left = pad // 2. crop = 0 means one window over the image.
 */
export function slideGeometry(h: number, w: number, crop: number, stride: number, patch: number): WindowGeometry {
  for (const [k, v] of Object.entries({ h, w, patch })) if (!Number.isInteger(v) || v <= 0) throw new Error(`slideGeometry: ${k} must be a positive integer, got ${v}`);
  if (!Number.isInteger(crop) || crop < 0) throw new Error(`slideGeometry: crop must be a non-negative integer, got ${crop}`);
  if (crop > 0 && (!Number.isInteger(stride) || stride <= 0)) throw new Error(`slideGeometry: stride must be a positive integer, got ${stride}`);
  const cropH = crop === 0 ? h : crop;
  const cropW = crop === 0 ? w : crop;
  const strideH = crop === 0 ? h : stride;
  const strideW = crop === 0 ? w : stride;
  const hGrids = Math.floor(Math.max(h - cropH + strideH - 1, 0) / strideH) + 1;
  const wGrids = Math.floor(Math.max(w - cropW + strideW - 1, 0) / strideW) + 1;
  const winH = Math.min(cropH, h);
  const winW = Math.min(cropW, w);
  const pad = (side: number): [number, number] => {
    if (side % patch === 0) return [0, 0];
    const p = patch - (side % patch);
    return [Math.floor(p / 2), p - Math.floor(p / 2)];
  };
  const [padTop, padBottom] = pad(winH);
  const [padLeft, padRight] = pad(winW);
  const boxes: WindowBox[] = [];
  for (let i = 0; i < hGrids; i++) {
    for (let j = 0; j < wGrids; j++) {
      const y2 = Math.min(i * strideH + cropH, h);
      const x2 = Math.min(j * strideW + cropW, w);
      boxes.push({ y1: Math.max(y2 - cropH, 0), x1: Math.max(x2 - cropW, 0), padTop, padLeft });
    }
  }
  void padBottom;
  void padRight;
  return { h, w, winH, winW, padH: winH + padTop + padBottom, padW: winW + padLeft + padRight, boxes };
}

/**
 * The padded window crops of a normalised [3, H, W] image, stacked as [count, 3, padH, padW] (zeros in the padding,
 * i.e. zero in normalised space as upstream pads after normalisation).
 */
export function windowBatch(image: Float32Array, geo: WindowGeometry, first: number, count: number): Float32Array {
  const { h, w, winH, winW, padH, padW, boxes } = geo;
  if (image.length !== 3 * h * w) throw new Error(`windowBatch: image has ${image.length} values, expected 3x${h}x${w}`);
  const out = new Float32Array(count * 3 * padH * padW);
  for (let k = 0; k < count; k++) {
    const b = boxes[first + k];
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < winH; y++) {
        const src = (c * h + b.y1 + y) * w + b.x1;
        const dst = ((k * 3 + c) * padH + y + b.padTop) * padW + b.padLeft;
        out.set(image.subarray(src, src + winW), dst);
      }
    }
  }
  return out;
}
