/**
 * clearclip tune [--model ViT-B-16] [--budget SECONDS] [--image-size PX] [--dtype f32|f16] [--cache-dir DIR]
 *
 * Times the matmul variants, and softmax's and layerNorm's row-per-invocation vs row-per-workgroup kernels, at a
 * model's vision-tower shapes on this adapter ahead of time and stores the winners
 * in $CLEARCLIP_CACHE/tune/<adapter>.json, which later runs read. The shapes come from here, not from the tensor
 * package, which knows nothing of CLIP.
 */
import path from 'node:path';
import { GpuDevice, adapterFingerprint, tuneMatmul, tuneRowKernels, type MatmulTuneShape, type RowTuneShape } from '@clearclip/tensor';
import { nodeTuneStore } from '@clearclip/tensor/node';

export const TUNE_USAGE = `usage: clearclip tune [--model ViT-B-16] [--budget SECONDS] [--image-size PX] [--dtype f32|f16] [--cache-dir DIR]

Times every matmul kernel variant at the model's vision-tower shapes (projections, MLP, attention), and the two
softmax and layerNorm kernels (a row per invocation or per workgroup) at its row lengths, on this adapter, rejects variants whose result differs from the reference kernel, and stores the fastest per shape in
$CLEARCLIP_CACHE/tune/<adapter>.json (default ~/.cache/clearclip). Entries are reused until a kernel's source
changes. --budget caps the time spent timing (default 300 s); --image-size (default 448, ClearCLIP's sliding
window) sets the token count. Prints: shape, candidates tried, winner, speedup over the heuristic pick.
Models: ${'${MODELS}'}
`;

/** Vision-tower geometry of the OpenCLIP models we run: width, heads, MLP width, patch size. */
const VISION: Record<string, { width: number; heads: number; mlp: number; patch: number }> = {
  'ViT-B-16': { width: 768, heads: 12, mlp: 3072, patch: 16 },
  'ViT-B-32': { width: 768, heads: 12, mlp: 3072, patch: 32 },
  'ViT-L-14': { width: 1024, heads: 16, mlp: 4096, patch: 14 },
};

const usage = () => TUNE_USAGE.replace('${MODELS}', Object.keys(VISION).join(', '));

/** The matmul shapes of one vision-tower forward at the given image size. */
export function visionMatmulShapes(model: string, imageSize: number, dtype: 'f32' | 'f16'): MatmulTuneShape[] {
  const v = VISION[model];
  if (!v) throw new Error(`unknown model "${model}" (known: ${Object.keys(VISION).join(', ')})`);
  const L = (Math.floor(imageSize / v.patch) ** 2) + 1;
  const D = v.width;
  const dh = D / v.heads;
  return [
    { M: L, K: D, N: 3 * D, dtype, label: 'qkv' },
    { M: L, K: D, N: D, dtype, label: 'out proj' },
    { M: L, K: D, N: v.mlp, dtype, label: 'fc1' },
    { M: L, K: v.mlp, N: D, dtype, label: 'fc2' },
    { batch: v.heads, M: L, K: dh, N: L, transposed: true, batchedB: true, dtype, label: 'attn scores' },
    { batch: v.heads, M: L, K: L, N: dh, batchedB: true, dtype, label: 'attn PV' },
  ];
}

/** The softmax (attention rows) and layerNorm (token rows) shapes of one vision-tower forward. */
export function visionRowShapes(model: string, imageSize: number, dtype: 'f32' | 'f16'): RowTuneShape[] {
  const v = VISION[model];
  if (!v) throw new Error(`unknown model "${model}" (known: ${Object.keys(VISION).join(', ')})`);
  const L = (Math.floor(imageSize / v.patch) ** 2) + 1;
  return [
    { op: 'softmax', rows: v.heads * L, cols: L, dtype, label: 'softmax' },
    { op: 'layernorm', rows: L, cols: v.width, dtype, label: 'layernorm' },
  ];
}

export async function tuneCli(argv: string[]): Promise<number> {
  let model = 'ViT-B-16';
  let budget = 300;
  let imageSize = 448;
  let dtype: 'f32' | 'f16' = 'f32';
  let cacheDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const val = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`clearclip tune: ${k} needs a value`);
      return x;
    };
    if (k === '--model') model = val();
    else if (k === '--budget') budget = Number(val());
    else if (k === '--image-size') imageSize = Number(val());
    else if (k === '--dtype') dtype = val() as 'f32' | 'f16';
    else if (k === '--cache-dir') cacheDir = path.join(val(), 'tune');
    else if (k === '--help' || k === '-h') {
      process.stdout.write(usage());
      return 0;
    } else {
      process.stderr.write(`clearclip tune: unknown argument ${k}\n${usage()}`);
      return 1;
    }
  }
  if (!(budget > 0) || !(imageSize > 0) || (dtype !== 'f32' && dtype !== 'f16')) {
    process.stderr.write(`clearclip tune: --budget and --image-size must be positive, --dtype f32 or f16\n`);
    return 1;
  }
  const shapes = visionMatmulShapes(model, imageSize, dtype);
  const dev = await GpuDevice.create();
  try {
    if (dtype === 'f16' && !dev.hasF16) throw new Error(`--dtype f16: ${dev.describe()} has no shader-f16`);
    const store = nodeTuneStore(cacheDir);
    process.stdout.write(`adapter: ${dev.describe()}\ncache:   ${store.where(adapterFingerprint(dev))}\n\n`);
    const started = performance.now();
    const results = await tuneMatmul(dev, shapes, { store, budgetMs: budget * 1000 });
    const left = Math.max(1000, budget * 1000 - (performance.now() - started));
    results.push(...(await tuneRowKernels(dev, visionRowShapes(model, imageSize, dtype), { store, budgetMs: left })));
    const head = `${'layer'.padEnd(12)} ${'shape'.padEnd(30)} ${'tried'.padStart(5)}  ${'winner'.padEnd(20)} ${'heuristic'.padEnd(20)} speedup`;
    process.stdout.write(`${head}\n`);
    for (const r of results) {
      const tried = r.entry.candidates.filter((c) => c.ms !== null).length;
      const sp = r.speedup === null ? '-' : `${r.speedup.toFixed(2)}x`;
      process.stdout.write(
        `${(r.label ?? '').padEnd(12)} ${r.shape.padEnd(30)} ${String(tried).padStart(5)}  ${r.entry.winner.padEnd(20)} ${r.entry.heuristic.padEnd(20)} ${sp}${r.timed ? '' : r.entry.shape === r.shape ? '  (cached)' : `  (cached: bucket timed at ${r.entry.shape})`}\n`,
      );
    }
    return 0;
  } finally {
    dev.destroy();
  }
}
