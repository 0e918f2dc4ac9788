// Paints the project's demo picture (assets/demo.png): a countryside scene drawn from simple shapes, so the
// README's example needs no third-party photo. Deterministic: rerunning gives the same file.
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';

const W = 640;
const H = 427;
const png = new PNG({ width: W, height: H });
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const noise = new Float32Array(W * H).map(() => rand() - 0.5);

type RGB = [number, number, number];
const set = (x: number, y: number, c: RGB, n = 0) => {
  const i = 4 * (y * W + x);
  for (let k = 0; k < 3; k++) png.data[i + k] = Math.max(0, Math.min(255, Math.round(c[k] + n)));
  png.data[i + 3] = 255;
};
const mix = (a: RGB, b: RGB, t: number): RGB => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

const horizon = (x: number) => 250 + 18 * Math.sin(x / 90) + 8 * Math.sin(x / 23 + 1);
const mountain = (x: number) => 150 + 55 * Math.abs(Math.sin(x / 140 + 0.4)) + 12 * Math.sin(x / 31);
const clouds: [number, number, number, number][] = [[120, 70, 70, 22], [170, 60, 50, 18], [420, 95, 80, 20], [470, 85, 45, 16]];

for (let y = 0; y < H; y++) {
  for (let x = 0; x < W; x++) {
    const n = noise[y * W + x];
    let c: RGB = mix([70, 130, 215], [175, 210, 240], y / 250); // sky
    let amp = 2;
    const sun = Math.hypot(x - 540, y - 65);
    if (sun < 34) c = [255, 228, 120];
    else if (sun < 50) c = mix([255, 228, 120], c, (sun - 34) / 16);
    for (const [cx, cy, rx, ry] of clouds) if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1) c = mix([250, 250, 252], [225, 228, 235], (y - cy + ry) / (2 * ry));
    if (y > mountain(x)) {
      c = mix([110, 115, 140], [80, 95, 105], (y - mountain(x)) / 100);
      amp = 5;
    }
    if (y > horizon(x)) {
      c = mix([95, 160, 60], [60, 120, 35], (y - horizon(x)) / 180);
      amp = 18;
    }
    set(x, y, c, amp * n);
  }
}

// A tree: trunk and a crown of overlapping discs.
for (let y = 205; y < 320; y++) for (let x = 168; x < 184; x++) set(x, y, [95, 65, 40], 10 * noise[y * W + x]);
const crown: [number, number, number][] = [[176, 190, 45], [145, 215, 35], [207, 212, 37], [176, 225, 35]];
for (let y = 130; y < 270; y++)
  for (let x = 100; x < 260; x++) if (crown.some(([cx, cy, r]) => Math.hypot(x - cx, y - cy) < r)) set(x, y, mix([40, 110, 40], [25, 80, 30], (y - 145) / 120), 25 * noise[y * W + x]);

// A red house with a grey roof, a door and a window.
const left = 390, right = 520, top = 230, bottom = 320;
for (let y = top; y < bottom; y++) for (let x = left; x < right; x++) set(x, y, [175, 50, 40], 8 * noise[y * W + x]);
for (let y = 170; y < top; y++) {
  const half = ((y - 170) / (top - 170)) * ((right - left) / 2 + 12);
  for (let x = Math.round((left + right) / 2 - half); x < (left + right) / 2 + half; x++) set(x, y, [85, 85, 95], 6 * noise[y * W + x]);
}
for (let y = 275; y < bottom; y++) for (let x = 440; x < 465; x++) set(x, y, [70, 45, 30]);
for (let y = 250; y < 275; y++) for (let x = 485; x < 508; x++) set(x, y, [200, 225, 245]);

writeFileSync(process.argv[2] ?? 'assets/demo.png', PNG.sync.write(png));
