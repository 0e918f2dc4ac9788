import type { WindowBox, WindowGeometry } from './ops/window-merge.js';

/**
 * Upstream's sliding-window grid: ceil-style counts `max(H - crop + stride - 1, 0) // stride + 1`, windows at
 * i*stride with the last one shifted back to end at the border, each window (min(crop, side) pixels) padded
 * centred to a patch multiple: pad = p - side % p, top/left = pad // 2.
 */
export function slideGeometry(h: number, w: number, crop: number, stride: number, patch: number): WindowGeometry {
  for (const [k, v] of Object.entries({ h, w, patch, crop, stride })) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`slideGeometry: ${k} must be a positive integer, got ${v}`);
  }
  const grids = (side: number) => Math.floor(Math.max(side - crop + stride - 1, 0) / stride) + 1;
  const winH = Math.min(crop, h);
  const winW = Math.min(crop, w);
  const pad = (side: number): [number, number] => {
    if (side % patch === 0) return [0, 0];
    const p = patch - (side % patch);
    return [Math.floor(p / 2), p - Math.floor(p / 2)];
  };
  const [padTop, padBottom] = pad(winH);
  const [padLeft, padRight] = pad(winW);
  const boxes: WindowBox[] = [];
  for (let i = 0; i < grids(h); i++) {
    for (let j = 0; j < grids(w); j++) {
      const y2 = Math.min(i * stride + crop, h);
      const x2 = Math.min(j * stride + crop, w);
      boxes.push({ y1: Math.max(y2 - crop, 0), x1: Math.max(x2 - crop, 0), padTop, padLeft });
    }
  }
  return { h, w, winH, winW, padH: winH + padTop + padBottom, padW: winW + padLeft + padRight, boxes };
}

/** How one image goes through the model: the windows it sees and how their logits map onto the output. */
export interface WindowPlan {
  /** Output geometry for windowMerge (for whole-image mode: the output size itself). */
  geometry: WindowGeometry;
  /** Size of each window the vision tower sees (a patch multiple). */
  inputH: number;
  inputW: number;
  /** Resize the merged logits to the output size afterwards (sliding mode with ori_shape != input size). */
  resizeAfter: boolean;
}

/**
 * Sliding windows when crop > 0. crop = 0 is upstream's whole-image forward_feature(img, ori_shape): no padding
 * (the patch convolution drops the last H % p rows and W % p columns), and the [gh, gw] logits are resized
 * bilinearly in one step straight to the output size.
 */
export function windowPlan(h: number, w: number, out: [number, number], crop: number, stride: number, patch: number): WindowPlan {
  const [oH, oW] = out;
  if (crop === 0) {
    const inputH = Math.floor(h / patch) * patch;
    const inputW = Math.floor(w / patch) * patch;
    if (inputH === 0 || inputW === 0) throw new Error(`whole-image mode: image ${h}x${w} is smaller than one ${patch}-pixel patch`);
    return {
      geometry: { h: oH, w: oW, winH: oH, winW: oW, padH: oH, padW: oW, boxes: [{ y1: 0, x1: 0, padTop: 0, padLeft: 0 }] },
      inputH,
      inputW,
      resizeAfter: false,
    };
  }
  const geometry = slideGeometry(h, w, crop, stride, patch);
  return { geometry, inputH: geometry.padH, inputW: geometry.padW, resizeAfter: oH !== h || oW !== w };
}

/** The top-left inputH x inputW of a normalised [3, H, W] image, as [1, 3, inputH, inputW]. */
export function cropTopLeft(image: Float32Array, h: number, w: number, inputH: number, inputW: number): Float32Array {
  if (image.length !== 3 * h * w) throw new Error(`cropTopLeft: image has ${image.length} values, expected 3x${h}x${w}`);
  const out = new Float32Array(3 * inputH * inputW);
  for (let c = 0; c < 3; c++) for (let y = 0; y < inputH; y++) out.set(image.subarray((c * h + y) * w, (c * h + y) * w + inputW), (c * inputH + y) * inputW);
  return out;
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
