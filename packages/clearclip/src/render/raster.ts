import type { RgbImage } from '../image/types.js';
import type { Rgb } from './palette.js';

/** A path command as font outlines give them (M/L/Q/C/Z, absolute pixel coordinates, y down). */
export interface PathCmd {
  type: 'M' | 'L' | 'Q' | 'C' | 'Z';
  x?: number;
  y?: number;
  x1?: number;
  y1?: number;
  x2?: number;
  y2?: number;
}

/** Sub-scanlines per pixel row: 4 gives 5 coverage levels vertically; horizontally coverage is exact. */
const SUB = 4;
/** Line segments per curve: glyph curves span a few pixels at legend sizes, so 8 keeps the error far below one. */
const CURVE_STEPS = 8;

type Edge = [number, number, number, number];

function flatten(cmds: PathCmd[]): Edge[] {
  const edges: Edge[] = [];
  let [sx, sy, x, y] = [0, 0, 0, 0];
  const line = (nx: number, ny: number) => {
    if (ny !== y) edges.push([x, y, nx, ny]);
    x = nx;
    y = ny;
  };
  for (const c of cmds) {
    if (c.type === 'M') {
      if (x !== sx || y !== sy) line(sx, sy);
      [sx, sy, x, y] = [c.x!, c.y!, c.x!, c.y!];
    } else if (c.type === 'L') line(c.x!, c.y!);
    else if (c.type === 'Q' || c.type === 'C') {
      const [x0, y0] = [x, y];
      for (let k = 1; k <= CURVE_STEPS; k++) {
        const t = k / CURVE_STEPS;
        const u = 1 - t;
        if (c.type === 'Q') line(u * u * x0 + 2 * u * t * c.x1! + t * t * c.x!, u * u * y0 + 2 * u * t * c.y1! + t * t * c.y!);
        else line(u * u * u * x0 + 3 * u * u * t * c.x1! + 3 * u * t * t * c.x2! + t * t * t * c.x!, u * u * u * y0 + 3 * u * u * t * c.y1! + 3 * u * t * t * c.y2! + t * t * t * c.y!);
      }
    } else if (c.type === 'Z') line(sx, sy);
  }
  if (x !== sx || y !== sy) line(sx, sy);
  return edges;
}

/**
 * Fills a path (nonzero winding) into the image, anti-aliased: per pixel, the covered fraction blends `colour`
 * over what is there. Clipped to the image.
 */
export function fillPath(img: RgbImage, cmds: PathCmd[], colour: Rgb): void {
  const edges = flatten(cmds);
  if (!edges.length) return;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const e of edges) {
    yMin = Math.min(yMin, e[1], e[3]);
    yMax = Math.max(yMax, e[1], e[3]);
  }
  const W = img.width;
  const cov = new Float32Array(W + 1);
  const cross: [number, number][] = [];
  for (let py = Math.max(0, Math.floor(yMin)); py < Math.min(img.height, Math.ceil(yMax)); py++) {
    cov.fill(0);
    for (let s = 0; s < SUB; s++) {
      const sy = py + (s + 0.5) / SUB;
      cross.length = 0;
      for (const [x0, y0, x1, y1] of edges) {
        if ((sy >= y0 && sy < y1) || (sy >= y1 && sy < y0)) cross.push([x0 + ((sy - y0) / (y1 - y0)) * (x1 - x0), y1 > y0 ? 1 : -1]);
      }
      cross.sort((a, b) => a[0] - b[0]);
      let wind = 0;
      for (let k = 0; k < cross.length - 1; k++) {
        wind += cross[k][1];
        if (wind === 0) continue;
        const a = Math.max(0, cross[k][0]);
        const b = Math.min(W, cross[k + 1][0]);
        if (b <= a) continue;
        // Span [a, b): full pixels inside, fractional pixels at both ends.
        const ia = Math.floor(a);
        const ib = Math.floor(b);
        if (ia === ib) cov[ia] += (b - a) / SUB;
        else {
          cov[ia] += (ia + 1 - a) / SUB;
          for (let i = ia + 1; i < ib; i++) cov[i] += 1 / SUB;
          if (ib < W) cov[ib] += (b - ib) / SUB;
        }
      }
    }
    for (let px = 0; px < W; px++) {
      const c = Math.min(1, cov[px]);
      if (c <= 0) continue;
      const i = 3 * (py * W + px);
      for (let ch = 0; ch < 3; ch++) img.data[i + ch] = Math.round(img.data[i + ch] * (1 - c) + colour[ch] * c);
    }
  }
}
