// Runs in a browser page: the tensor core through navigator.gpu, a few kernels checked against their float64
// references. Bundled by test/browser/run.ts; results go to window.__results.
import { GpuDevice, matmul, softmax, layerNorm, resizeBicubic } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';

interface Row { name: string; maxErr: number; tol: number; ok: boolean }

function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
}

function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
}

async function main(): Promise<{ adapter: string; rows: Row[] }> {
  const dev = await GpuDevice.create();
  const rows: Row[] = [];
  const check = (name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number) => {
    const e = maxErr(got, want);
    rows.push({ name, maxErr: e, tol, ok: e <= tol });
  };
  const a = rand(37 * 53, 1);
  const b = rand(53 * 29, 2);
  check('matmul 37x53x29', await matmul(dev.tensor(a, [37, 53]), dev.tensor(b, [53, 29])).read(), reference.matmulRef(a, b, 1, 37, 53, 29), 1e-5);
  const x = rand(5 * 197, 3);
  check('softmax 5x197', await softmax(dev.tensor(x, [5, 197]), { scale: 3 }).read(), reference.softmaxRef(x, 197, 3), 1e-6);
  const g = rand(64, 4);
  const bb = rand(64, 5);
  const y = rand(9 * 64, 6);
  check('layerNorm 9x64', await layerNorm(dev.tensor(y, [9, 64]), dev.tensor(g, [64]), dev.tensor(bb, [64])).read(), reference.layerNormRef(y, g, bb, 1e-5), 1e-5);
  const p = rand(2 * 7 * 7, 7);
  check('resizeBicubic 7x7 -> 8x8', await resizeBicubic(dev.tensor(p, [2, 7, 7]), 8.1 / 7, 8.1 / 7).read(), reference.resizeBicubicRef(p, [2, 7, 7], 8.1 / 7, 8.1 / 7), 1e-5);
  const adapter = dev.describe();
  dev.destroy();
  return { adapter, rows };
}

main().then(
  (r) => Object.assign(window, { __results: r }),
  (e: Error) => Object.assign(window, { __results: { error: `${e.name}: ${e.message}` } }),
);
