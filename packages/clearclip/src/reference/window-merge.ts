import type { WindowGeometry } from '../ops/window-merge.js';

/** PyTorch bilinear (align_corners=False, size given) of one [inH, inW] map at output pixel (y, x) of [outH, outW]. */
function bilinearAt(src: ArrayLike<number>, off: number, inH: number, inW: number, outH: number, outW: number, y: number, x: number): number {
  const idx = (d: number, inS: number, outS: number): [number, number, number] => {
    const s = Math.max((d + 0.5) * (inS / outS) - 0.5, 0);
    const i0 = Math.min(Math.floor(s), inS - 1);
    return [i0, Math.min(i0 + 1, inS - 1), s - i0];
  };
  const [y0, y1, ly] = idx(y, inH, outH);
  const [x0, x1, lx] = idx(x, inW, outW);
  const v = (r: number, c: number) => src[off + r * inW + c];
  return (v(y0, x0) * (1 - lx) + v(y0, x1) * lx) * (1 - ly) + (v(y1, x0) * (1 - lx) + v(y1, x1) * lx) * ly;
}

/**
 * float64 twin of the sliding-window merge as upstream does it: upsample each window's [Q, gh, gw] logits to the
 * padded window, cut the padding, add into the image, divide by the cover count. win: [nWin, Q, gh, gw].
 */
export function windowMergeRef(win: ArrayLike<number>, Q: number, gh: number, gw: number, geo: WindowGeometry): Float64Array {
  const { h, w, winH, winW, padH, padW, boxes } = geo;
  const sum = new Float64Array(Q * h * w);
  const count = new Float64Array(h * w);
  boxes.forEach((b, k) => {
    for (let y = 0; y < winH; y++)
      for (let x = 0; x < winW; x++) {
        count[(b.y1 + y) * w + b.x1 + x] += 1;
        for (let q = 0; q < Q; q++) {
          sum[(q * h + b.y1 + y) * w + b.x1 + x] += bilinearAt(win, (k * Q + q) * gh * gw, gh, gw, padH, padW, y + b.padTop, x + b.padLeft);
        }
      }
  });
  return sum.map((s, i) => s / count[i % (h * w)]);
}
