import { type Tensor, params, shapeStr } from '@clearclip/tensor';
import { WINDOW_MERGE } from './kernels.js';

/** A window of the sliding-window pass: its top-left corner in the image and the centred padding added to it. */
export interface WindowBox {
  y1: number;
  x1: number;
  padTop: number;
  padLeft: number;
}

export interface WindowGeometry {
  /** Image (inference) size. */
  h: number;
  w: number;
  /** Pixels of the image each window covers. */
  winH: number;
  winW: number;
  /** The padded window the model saw (a patch multiple); logits are upsampled to this size. */
  padH: number;
  padW: number;
  boxes: WindowBox[];
}

/**
 * Accumulate one batch of windows into `out` [Q, H, W] (created by the first batch). win: [nb, Q, gh, gw] low-res
 * cosine logits of windows first..first+nb-1. The last batch turns sums into means over covering windows.
 */
export function windowMerge(win: Tensor, geo: WindowGeometry, first: number, out: Tensor | null): Tensor {
  if (win.rank !== 4) throw new Error(`windowMerge: window logits must be [nb, Q, gh, gw], got ${shapeStr(win.shape)}`);
  if (win.dtype !== 'f32') throw new Error(`windowMerge: logits must be f32, got ${win.dtype}`);
  const [nb, Q, gh, gw] = win.shape;
  const { h, w, winH, winW, padH, padW, boxes } = geo;
  if (first < 0 || first + nb > boxes.length) throw new Error(`windowMerge: windows ${first}..${first + nb - 1} outside the ${boxes.length} of the pass`);
  if (first === 0 && out) throw new Error('windowMerge: the first batch creates the output');
  if (first > 0 && (!out || out.shape[0] !== Q || out.shape[1] !== h || out.shape[2] !== w)) {
    throw new Error(`windowMerge: accumulator ${out ? shapeStr(out.shape) : 'missing'} is not [${Q}, ${h}, ${w}]`);
  }
  for (const b of boxes) {
    if (b.y1 < 0 || b.x1 < 0 || b.y1 + winH > h || b.x1 + winW > w || b.padTop + winH > padH || b.padLeft + winW > padW) {
      throw new Error(`windowMerge: window ${JSON.stringify(b)} of ${winH}x${winW} does not fit the image ${h}x${w} or its padded grid ${padH}x${padW}`);
    }
  }
  const dev = win.device;
  const acc = out ?? dev.empty([Q, h, w], 'f32', 'slide_logits');
  dev.scope(() => {
    const meta = dev.tensor(Int32Array.from(boxes.flatMap((b) => [b.y1, b.x1, b.padTop, b.padLeft])), [boxes.length, 4], 'i32', 'windows');
    WINDOW_MERGE.dispatch(dev, {
      uniforms: params([
        { u: Q }, { u: h }, { u: w }, { u: boxes.length },
        { u: first }, { u: nb }, { u: winH }, { u: winW },
        { u: gh }, { u: gw }, { u: padH }, { u: padW },
      ]),
      inputs: [win, meta],
      outputs: [acc],
      count: Q * h * w,
      label: 'window_merge',
    });
  });
  return acc;
}
