import type { RgbImage } from './types.js';
import { checkRgbImage, newRgbImage } from './types.js';

/**
 * mmcv's rescale_size as used by mmseg's test-time Resize(scale, keep_ratio=True): the largest factor that
 * keeps the long side <= max(scale) and the short side <= min(scale); each side becomes int(side*sf + 0.5).
 * Returns [newH, newW].
 */
export function mmsegRescaleSize(h: number, w: number, scale: [number, number]): [number, number] {
  for (const [v, what] of [[h, 'h'], [w, 'w'], [scale[0], 'scale[0]'], [scale[1], 'scale[1]']] as const) {
    if (!(Number.isFinite(v) && v > 0)) throw new Error(`mmsegRescaleSize: ${what} must be positive, got ${v} (h=${h}, w=${w}, scale=[${scale}])`);
  }
  const sf = Math.min(Math.max(...scale) / Math.max(h, w), Math.min(...scale) / Math.min(h, w));
  // Python's int() truncates; the operands are positive so floor is the same.
  return [Math.floor(h * sf + 0.5), Math.floor(w * sf + 0.5)];
}

/** OpenCV's fixed-point linear weights: INTER_RESIZE_COEF_BITS = 11. */
const COEF_SCALE = 2048;

/** cvRound on a float: round half to even (SSE cvtss2si / lrintf in the default rounding mode). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * One axis of cv::resize's INTER_LINEAR tables, in its float32 arithmetic: src = (dst + 0.5) * scale - 0.5 with
 * scale = 1 / (dsize / ssize) in double, the position rounded to float; weights saturate_cast<short>(w * 2048).
 * `clampX` is the horizontal rule (a position left of 0 or right of the last pixel snaps to it with weight 0);
 * vertically OpenCV keeps the fraction and clamps the two row indices instead.
 */
interface AxisTable {
  idx: Int32Array; // first source index (unclamped for rows)
  w0: Int16Array;
  w1: Int16Array;
}

function axisTable(src: number, dst: number, clampX: boolean): AxisTable {
  const scale = 1 / (dst / src);
  const idx = new Int32Array(dst);
  const w0 = new Int16Array(dst);
  const w1 = new Int16Array(dst);
  for (let d = 0; d < dst; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampX) {
      if (s < 0) { f = 0; s = 0; }
      if (s >= src - 1) { f = 0; s = src - 1; }
    }
    idx[d] = s;
    w0[d] = roundHalfEven(Math.fround(Math.fround(1 - f) * COEF_SCALE));
    w1[d] = roundHalfEven(Math.fround(f * COEF_SCALE));
  }
  return { idx, w0, w1 };
}

/**
 * Bit-exact cv2.resize(img, (outW, outH), interpolation=INTER_LINEAR) on uint8 RGB (OpenCV 4.6, generic
 * fixed-point path): a horizontal pass into int32 rows (S[x]*a0 + S[x+1]*a1, 11-bit weights), then a vertical
 * pass of two such rows as ((S0>>4)*b0 >> 16) + ((S1>>4)*b1 >> 16), then (+2) >> 2. That truncating form (not
 * the textbook (S0*b0 + S1*b1 + 2^21) >> 22) is what OpenCV's SIMD loop and its uint8 scalar tail both compute;
 * the rounding form is 1 too high on ~12% of pixels. An exact 2x downscale, which OpenCV reroutes to INTER_AREA,
 * gives the same numbers ((a+b+c+d+2)>>2) through this path.
 */
export function resizeLinearU8(img: RgbImage, outW: number, outH: number): RgbImage {
  checkRgbImage(img, 'resizeLinearU8');
  const out = newRgbImage(outW, outH, `resizeLinearU8 output (input ${img.width}x${img.height})`);
  const { width: inW, height: inH, data: src } = img;
  const xt = axisTable(inW, outW, true);
  const yt = axisTable(inH, outH, false);
  const rowLen = 3 * outW;

  const hrow = (sy: number, buf: Int32Array) => {
    const base = 3 * inW * sy;
    for (let dx = 0; dx < outW; dx++) {
      const s0 = base + 3 * xt.idx[dx];
      const a0 = xt.w0[dx];
      const a1 = xt.w1[dx];
      for (let c = 0; c < 3; c++) {
        // a1 is 0 at the borders, where s0 + 3 may lie outside the row.
        buf[3 * dx + c] = a1 === 0 ? src[s0 + c] * a0 : src[s0 + c] * a0 + src[s0 + 3 + c] * a1;
      }
    }
  };

  // Cache the two most recent horizontal rows: consecutive output rows mostly share source rows.
  let rowA = new Int32Array(rowLen);
  let rowB = new Int32Array(rowLen);
  let idxA = -1;
  let idxB = -1;
  const getRow = (sy: number): Int32Array => {
    if (sy === idxA) return rowA;
    if (sy === idxB) return rowB;
    [rowA, rowB, idxA, idxB] = [rowB, rowA, idxB, idxA];
    hrow(sy, rowA);
    idxA = sy;
    return rowA;
  };

  const dst = out.data;
  for (let dy = 0; dy < outH; dy++) {
    const sy = yt.idx[dy];
    const r0 = Math.min(Math.max(sy, 0), inH - 1);
    const r1 = Math.min(Math.max(sy + 1, 0), inH - 1);
    const S0 = getRow(r0);
    const S1 = getRow(r1);
    const b0 = yt.w0[dy];
    const b1 = yt.w1[dy];
    const o = dy * rowLen;
    for (let x = 0; x < rowLen; x++) {
      const v = (((S0[x] >> 4) * b0) >> 16) + (((S1[x] >> 4) * b1) >> 16);
      dst[o + x] = Math.min(255, Math.max(0, (v + 2) >> 2));
    }
  }
  return out;
}

/**
 * The same INTER_LINEAR rule in plain float64 (no float32 positions, no fixed point, no rounding): the independent
 * reference the fixed-point version is tested against. Returns 3*outW*outH interpolated values.
 */
export function resizeLinearU8Float(img: RgbImage, outW: number, outH: number): Float64Array {
  checkRgbImage(img, 'resizeLinearU8Float');
  newRgbImage(outW, outH, 'resizeLinearU8Float output');
  const { width: inW, height: inH, data } = img;
  const out = new Float64Array(3 * outW * outH);
  const pos = (d: number, n: number, m: number) => (d + 0.5) * (n / m) - 0.5;
  for (let dy = 0; dy < outH; dy++) {
    const fy = pos(dy, inH, outH);
    const y0 = Math.floor(fy);
    const ty = fy - y0;
    const ya = Math.min(Math.max(y0, 0), inH - 1);
    const yb = Math.min(Math.max(y0 + 1, 0), inH - 1);
    for (let dx = 0; dx < outW; dx++) {
      const fx = Math.min(Math.max(pos(dx, inW, outW), 0), inW - 1); // outside the row: the edge pixel
      const x0 = Math.min(Math.floor(fx), inW - 1);
      const x1 = Math.min(x0 + 1, inW - 1);
      const tx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const at = (y: number, x: number) => data[3 * (y * inW + x) + c];
        const top = at(ya, x0) * (1 - tx) + at(ya, x1) * tx;
        const bot = at(yb, x0) * (1 - tx) + at(yb, x1) * tx;
        out[3 * (dy * outW + dx) + c] = top * (1 - ty) + bot * ty;
      }
    }
  }
  return out;
}
