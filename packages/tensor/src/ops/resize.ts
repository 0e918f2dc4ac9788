import type { Tensor } from '../tensor.js';
import { isFloat } from '../dtype.js';
import { shapeStr } from '../shape.js';
import { params } from './grid.js';
import { defineKernel } from '../kernel-descriptor.js';

const RESIZE2D = defineKernel({
  kernel: 'resize2d',
  workgroupSize: 256,
  grid: 'perInvocation',
  bindings: { uniforms: true, inputs: ['x', 'tab'], outputs: ['out'] },
});

/** One output position's source taps along one axis: indices already clamped to [0, in-1], weights in float64. */
interface Taps {
  idx: number[];
  w: number[];
}

// PyTorch's guard_index_and_lambda: the base index never passes the last input, the fraction stays in [0, 1].
function guard(src: number, inSize: number): { i0: number; lambda: number } {
  const i0 = Math.min(Math.floor(src), inSize - 1);
  return { i0, lambda: Math.min(Math.max(src - i0, 0), 1) };
}

/** Bilinear, align_corners=False: src = scale*(dst+0.5)-0.5 clamped below at 0; upper tap clamped to the edge. */
function linearTaps(dst: number, inSize: number, scale: number): Taps {
  const src = Math.max(scale * (dst + 0.5) - 0.5, 0);
  const { i0, lambda } = guard(src, inSize);
  const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
  return { idx: [i0, i1], w: [1 - lambda, lambda] };
}

const A = -0.75;
// Cubic convolution (Keys) with A = -0.75, for |x| <= 1 and 1 < |x| < 2.
const cc1 = (x: number): number => ((A + 2) * x - (A + 3)) * x * x + 1;
const cc2 = (x: number): number => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;

/** Bicubic, align_corners=False: src = scale*(dst+0.5)-0.5, NOT clamped; the 4 taps are clamped to the edge. */
function cubicTaps(dst: number, inSize: number, scale: number): Taps {
  const src = scale * (dst + 0.5) - 0.5;
  const { i0, lambda: t } = guard(src, inSize);
  const idx = [-1, 0, 1, 2].map((k) => Math.min(Math.max(i0 + k, 0), inSize - 1));
  return { idx, w: [cc2(t + 1), cc1(t), cc1(1 - t), cc2(2 - t)] };
}

type TapFn = (dst: number, inSize: number, scale: number) => Taps;

function check(op: string, x: Tensor, outH: number, outW: number): void {
  if (!isFloat(x.dtype)) throw new Error(`${op}: needs a float tensor, got ${x.dtype} ${shapeStr(x.shape)}`);
  if (x.rank < 2) throw new Error(`${op}: needs [..., H, W] (rank >= 2), got ${shapeStr(x.shape)}`);
  if (x.shape.at(-1) === 0 || x.shape.at(-2) === 0) throw new Error(`${op}: cannot resample the empty input ${shapeStr(x.shape)}`);
  if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH < 1 || outW < 1) {
    throw new Error(`${op}: output size ${outH}x${outW} for input ${shapeStr(x.shape)} must be integers >= 1`);
  }
}

/**
 * `rows` = [r0, r1) computes only those output rows of the outH-row result (same taps, so the same values bit for
 * bit): large outputs can be produced in bands that each fit the binding limit.
 */
function resample(op: string, x: Tensor, fullH: number, outW: number, scaleH: number, scaleW: number, taps: TapFn, nTaps: number, rows: [number, number] = [0, fullH]): Tensor {
  const inH = x.shape[x.rank - 2];
  const inW = x.shape[x.rank - 1];
  const [r0, r1] = rows;
  if (!(Number.isInteger(r0) && Number.isInteger(r1) && r0 >= 0 && r0 < r1 && r1 <= fullH)) throw new Error(`${op}: rows [${r0}, ${r1}) are not a band of the ${fullH} output rows`);
  const outH = r1 - r0;
  const out = x.device.empty([...x.shape.slice(0, -2), outH, outW], x.dtype, op);
  if (out.size === 0) return out;
  const tab = new Uint32Array((outH + outW) * 2 * nTaps);
  const wf = new Float32Array(tab.buffer);
  const put = (e: number, t: Taps): void => {
    for (let k = 0; k < nTaps; k++) {
      tab[e * 2 * nTaps + k] = t.idx[k];
      wf[e * 2 * nTaps + nTaps + k] = t.w[k];
    }
  };
  for (let y = 0; y < outH; y++) put(y, taps(r0 + y, inH, scaleH));
  for (let c = 0; c < outW; c++) put(outH + c, taps(c, inW, scaleW));
  const table = x.device.tensor(tab, [tab.length], 'u32', `${op} taps`);
  RESIZE2D.dispatch(x.device, {
    defines: { T: x.dtype, TAPS: `${nTaps}u` },
    uniforms: params([{ u: out.size }, { u: inH }, { u: inW }, { u: outH }, { u: outW }]),
    inputs: [x, table],
    outputs: [out],
    count: out.size,
    label: op,
  });
  // Safe before the kernel runs: the pool parks buffers released while the encoder that reads them is open.
  table.dispose();
  return out;
}

/**
 * PyTorch F.interpolate(x, size=(outH, outW), mode='bilinear', align_corners=False) on [..., H, W]:
 * src = (dst + 0.5) * in/out - 0.5 clamped below at 0, neighbours clamped to the edge, no antialias.
 */
export function resizeBilinear(x: Tensor, outH: number, outW: number, opts: { rows?: [number, number] } = {}): Tensor {
  check('resizeBilinear', x, outH, outW);
  const inH = x.shape[x.rank - 2];
  const inW = x.shape[x.rank - 1];
  return resample('resizeBilinear', x, outH, outW, inH / outH, inW / outW, linearTaps, 2, opts.rows);
}

export interface ResizeBicubicOptions {
  /**
   * Explicit output size instead of floor(in * scale). The coordinate map still uses 1/scale where the scale is
   * > 0 (PyTorch's upsample_bicubic2d with both a size and scales); a scale of 0 means "no scale given" and maps
   * with in/out, i.e. F.interpolate(size=...). See resizeBicubicTo.
   */
  outH?: number;
  outW?: number;
}

/**
 * PyTorch F.interpolate(x, scale_factor=(scaleH, scaleW), mode='bicubic', align_corners=False) on [..., H, W]:
 * out side = floor(in * scale); src = (dst + 0.5) / scale - 0.5 (the given scale, not in/out); cubic convolution
 * with A = -0.75, the 4 taps clamped to [0, in-1]; no antialias.
 */
export function resizeBicubic(x: Tensor, scaleH: number, scaleW: number, opts: ResizeBicubicOptions = {}): Tensor {
  const inH = x.shape.at(-2) ?? 0;
  const inW = x.shape.at(-1) ?? 0;
  const axis = (name: string, inSize: number, scale: number, size: number | undefined): { out: number; coord: number } => {
    const okScale = Number.isFinite(scale) && (scale > 0 || (scale === 0 && size !== undefined));
    if (!okScale) {
      throw new Error(`resizeBicubic: ${name} ${scale} for input ${shapeStr(x.shape)} must be > 0 (or 0 together with an explicit output size)`);
    }
    const out = size ?? Math.floor(inSize * scale);
    return { out, coord: scale > 0 ? 1 / scale : inSize / out };
  };
  const h = axis('scaleH', inH, scaleH, opts.outH);
  const w = axis('scaleW', inW, scaleW, opts.outW);
  check('resizeBicubic', x, h.out, w.out);
  return resample('resizeBicubic', x, h.out, w.out, h.coord, w.coord, cubicTaps, 4);
}

/** PyTorch F.interpolate(x, size=(outH, outW), mode='bicubic', align_corners=False): coordinates map with in/out. */
export function resizeBicubicTo(x: Tensor, outH: number, outW: number): Tensor {
  return resizeBicubic(x, 0, 0, { outH, outW });
}
