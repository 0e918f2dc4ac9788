/**
 * float64 CPU twins of ops/resize, written per output pixel straight from PyTorch's formulas
 * (aten UpSample.h: area_pixel_compute_scale / area_pixel_compute_source_index / guard_index_and_lambda,
 * cubic coefficients with A = -0.75), independently of the tap tables the GPU path builds.
 */

function planes(shape: readonly number[]): { b: number; h: number; w: number } {
  return { b: shape.slice(0, -2).reduce((p, d) => p * d, 1), h: shape[shape.length - 2], w: shape[shape.length - 1] };
}

/** F.interpolate(size=(outH, outW), mode='bilinear', align_corners=False). */
export function resizeBilinearRef(x: ArrayLike<number>, shape: readonly number[], outH: number, outW: number): Float64Array {
  const { b, h, w } = planes(shape);
  const sh = h / outH;
  const sw = w / outW;
  const out = new Float64Array(b * outH * outW);
  const at = (k: number, y: number, c: number): number => x[(k * h + y) * w + c];
  for (let k = 0; k < b; k++) {
    for (let oy = 0; oy < outH; oy++) {
      const sy = Math.max(sh * (oy + 0.5) - 0.5, 0);
      const y0 = Math.min(Math.floor(sy), h - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const ly = Math.min(Math.max(sy - y0, 0), 1);
      for (let ox = 0; ox < outW; ox++) {
        const sx = Math.max(sw * (ox + 0.5) - 0.5, 0);
        const x0 = Math.min(Math.floor(sx), w - 1);
        const x1 = Math.min(x0 + 1, w - 1);
        const lx = Math.min(Math.max(sx - x0, 0), 1);
        out[(k * outH + oy) * outW + ox] =
          (1 - ly) * ((1 - lx) * at(k, y0, x0) + lx * at(k, y0, x1)) + ly * ((1 - lx) * at(k, y1, x0) + lx * at(k, y1, x1));
      }
    }
  }
  return out;
}

/** Keys cubic convolution kernel with A = -0.75 (PyTorch's bicubic), as a function of the distance d >= 0. */
function cubicWeight(d: number): number {
  const A = -0.75;
  if (d <= 1) return (A + 2) * d ** 3 - (A + 3) * d ** 2 + 1;
  if (d < 2) return A * d ** 3 - 5 * A * d ** 2 + 8 * A * d - 4 * A;
  return 0;
}

/**
 * F.interpolate(scale_factor=(scaleH, scaleW), mode='bicubic', align_corners=False): out = floor(in * scale) unless
 * opts gives the size; coordinates map with 1/scale (or in/out where the scale is 0, PyTorch's "no scale given").
 */
export function resizeBicubicRef(
  x: ArrayLike<number>,
  shape: readonly number[],
  scaleH: number,
  scaleW: number,
  opts: { outH?: number; outW?: number } = {},
): Float64Array {
  const { b, h, w } = planes(shape);
  const outH = opts.outH ?? Math.floor(h * scaleH);
  const outW = opts.outW ?? Math.floor(w * scaleW);
  const ch = scaleH > 0 ? 1 / scaleH : h / outH;
  const cw = scaleW > 0 ? 1 / scaleW : w / outW;
  const taps = (dst: number, coord: number, size: number): { i: number[]; wt: number[] } => {
    const src = coord * (dst + 0.5) - 0.5;
    const i0 = Math.min(Math.floor(src), size - 1);
    const t = Math.min(Math.max(src - i0, 0), 1);
    const i = [i0 - 1, i0, i0 + 1, i0 + 2].map((v) => Math.min(Math.max(v, 0), size - 1));
    return { i, wt: [cubicWeight(1 + t), cubicWeight(t), cubicWeight(1 - t), cubicWeight(2 - t)] };
  };
  const out = new Float64Array(b * outH * outW);
  for (let k = 0; k < b; k++) {
    for (let oy = 0; oy < outH; oy++) {
      const ty = taps(oy, ch, h);
      for (let ox = 0; ox < outW; ox++) {
        const tx = taps(ox, cw, w);
        let acc = 0;
        for (let a = 0; a < 4; a++) {
          let row = 0;
          for (let c = 0; c < 4; c++) row += tx.wt[c] * x[(k * h + ty.i[a]) * w + tx.i[c]];
          acc += ty.wt[a] * row;
        }
        out[(k * outH + oy) * outW + ox] = acc;
      }
    }
  }
  return out;
}
