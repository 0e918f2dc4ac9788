import { type Tensor, cast, l2Normalize, matmul, permute, resizeBilinear, slice } from '@clearclip/tensor';
import type { CLIP } from '@clearclip/vit';
import type { DecomposedBlock } from './last-block.js';
import { windowMerge, type WindowGeometry } from './ops/window-merge.js';
import { classRanges, segAccumulate, segProbs, type SegState } from './ops/seg-postprocess.js';
import { cropTopLeft, windowBatch, windowPlan } from './slide.js';

export interface SlideOptions {
  /** Window side in pixels; 0 = one window over the whole image. */
  crop: number;
  stride: number;
  logitScale: number;
  probThd: number;
  /** Windows per vision-tower batch; default: as many as the device's binding limit allows (at most 8). */
  windowBatch?: number;
  /** Size of the result (upstream's ori_shape); default the input size. */
  outputSize?: [number, number];
  /** Return per-class probabilities [C, H, W] (default true). */
  probs?: boolean;
  /** Return the raw cosine logits [Q, H, W] before logit_scale (for parity checks). */
  logits?: boolean;
  /** Wait for the GPU after each stage so that per-stage times are real (slightly slower). */
  stageTimes?: boolean;
  /** Called after each batch of windows has run through the vision tower: windows done, windows in all. */
  onWindows?: (done: number, total: number) => void;
  /** Largest [queries, pixels] f32 logits block per query chunk; default half the binding limit, at most 256 MiB. */
  maxChunkBytes?: number;
}

export interface SlideResult {
  height: number;
  width: number;
  /** [H, W] class index per pixel. */
  pred: Int32Array;
  /** [C, H, W] per-class probabilities, when asked for. */
  probs?: Float32Array;
  /** [Q, H, W] raw logits, when asked for. */
  logits?: Float32Array;
  geometry: WindowGeometry;
  /** Milliseconds per stage. */
  timings: Record<string, number>;
}

/** Largest group of whole classes whose [queries, pixels] f32 logits stay within `maxBytes`. */
function queryChunks(queryClass: number[], pixels: number, maxBytes: number): { start: number; end: number }[] {
  const ranges = classRanges(queryClass);
  const maxQ = Math.max(1, Math.floor(maxBytes / (4 * pixels)));
  const chunks: { start: number; end: number }[] = [];
  let cur: { start: number; end: number } | null = null;
  for (const [s, e] of ranges) {
    if (e - s > maxQ) throw new Error(`a class with ${e - s} synonyms does not fit the device's binding limit at ${pixels} pixels`);
    if (!cur || e - cur.start > maxQ) chunks.push((cur = { start: s, end: e }));
    else cur.end = e;
  }
  return chunks;
}

/**
 * ClearCLIP's sliding-window inference on one normalised image [3, H, W]: padded windows through the vision tower
 * with the decomposed last block, cosine logits against the L2-normalised queries [Q, E], upsampled, merged, resized
 * to the output size, post-processed.
 */
export async function slideInference(
  clip: CLIP,
  block: DecomposedBlock,
  image: Float32Array,
  size: [number, number],
  /** [Q, E] on the host, or already on the device in the model's dtype (prepared classes; not disposed here). */
  queries: Float32Array | Tensor,
  queryClass: number[],
  opts: SlideOptions,
): Promise<SlideResult> {
  const dev = clip.device;
  const [H, W] = size;
  const E = clip.config.embedDim;
  const Q = queryClass.length;
  const nValues = queries instanceof Float32Array ? queries.length : queries.size;
  if (nValues !== Q * E) throw new Error(`slideInference: ${nValues} query values, expected ${Q} x ${E}`);
  const p = clip.config.vision.patchSize;
  const [oH, oW] = opts.outputSize ?? [H, W];
  const plan = windowPlan(H, W, [oH, oW], opts.crop, opts.stride, p);
  const geo = plan.geometry;
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  const stage = async (name: string): Promise<void> => {
    if (opts.stageTimes) await dev.sync();
    const t = performance.now();
    timings[name] = (timings[name] ?? 0) + (t - t0);
    t0 = t;
  };

  return dev.scopeAsync(async () => {
    const gh = plan.inputH / p;
    const gw = plan.inputW / p;
    const nWin = geo.boxes.length;
    // Windows per vision batch: as many as fit the binding limit (the batched attention weights are [B*H, L, L]).
    const per = Math.max(1, opts.windowBatch ?? Math.min(8, clip.visual.maxBatch(plan.inputH, plan.inputW, dev.maxTensorBytes)));
    // Dense features of every window, L2-normalised: [nb, gh*gw, E] per batch. Small next to the logits.
    const feats: { first: number; t: Tensor }[] = [];
    for (let first = 0; first < nWin; first += per) {
      const nb = Math.min(per, nWin - first);
      const pixels = opts.crop === 0 ? cropTopLeft(image, H, W, plan.inputH, plan.inputW) : windowBatch(image, geo, first, nb);
      const batch = dev.tensor(pixels, [nb, 3, plan.inputH, plan.inputW], 'f32', 'windows');
      const dense = clip.visual.encodeDense(batch, { lastBlock: block });
      feats.push({ first, t: l2Normalize(dense) });
      batch.dispose();
      dense.dispose();
      await dev.sync(); // keeps the encoder (and parked buffers) bounded on big images
      opts.onWindows?.(first + nb, nWin);
    }
    await stage('vision');

    const qAll = queries instanceof Float32Array ? dev.tensor(queries, [Q, E], clip.dtype, 'queries') : queries;
    const maxBytes = opts.maxChunkBytes ?? Math.min(dev.limits.maxStorageBufferBindingSize, 512 * 1024 * 1024) / 2;
    // The full-size stages ([Qc, rows, W] logits, [2, pixels] softmax statistics, [C, rows, W] probabilities) run
    // in bands of output rows, so that no tensor passes the binding limit however large the photo; an image that
    // fits is one band, as before.
    const fitRows = Math.floor(maxBytes / 8 / oW);
    const whole = opts.crop === 0;
    const banded = fitRows < oH && (plan.resizeAfter || whole);
    // Whole-image mode normally merges straight to the output size; too large for that, the [Qc, gh, gw] logits are
    // kept and resized band by band instead (the bilinear map of upstream's F.interpolate to ori_shape).
    const resizeLater = plan.resizeAfter || banded;
    const bandRows = banded ? Math.max(1, fitRows) : oH;
    const bands: [number, number][] = [];
    for (let r0 = 0; r0 < oH; r0 += bandRows) bands.push([r0, Math.min(oH, r0 + bandRows)]);
    // Per query, the largest planes held: the merged logits (at the grid size when whole-image mode is banded) and a band.
    const chunks = queryChunks(queryClass, Math.max(whole && banded ? gh * gw : geo.h * geo.w, bandRows * oW), maxBytes);
    /** Merged window logits [Qc, h, w] at inference size for a chunk of queries. */
    const merged = (c: { start: number; end: number }): Tensor => {
      const qc = c.start === 0 && c.end === Q ? qAll : slice(qAll, 0, c.start, c.end);
      let acc: Tensor | null = null;
      for (const f of feats) {
        const nb = f.t.shape[0];
        const cos = matmul(f.t, qc, { transposeB: true }); // [nb, g, Qc]
        const cos32 = cos.dtype === 'f32' ? cos : cast(cos, 'f32');
        const grid = permute(cos32.reshape([nb, gh, gw, c.end - c.start]), [0, 3, 1, 2]);
        // (A view: it keeps the grid's storage alive after grid.dispose().)
        acc = whole && banded ? grid.reshape([c.end - c.start, gh, gw]) : windowMerge(grid, geo, f.first, acc);
        grid.dispose();
        if (cos32 !== cos) cos32.dispose();
        cos.dispose();
      }
      if (qc !== qAll) qc.dispose();
      return acc!;
    };
    // With several bands the merged logits (small) are kept instead of recomputed per band.
    const mergedKept = new Map<number, Tensor>();
    const bandLogits = (i: number, band: [number, number]): Tensor => {
      let acc = mergedKept.get(i);
      if (!acc) {
        acc = merged(chunks[i]);
        if (bands.length > 1) mergedKept.set(i, acc);
      }
      if (!resizeLater) return acc;
      const resized = resizeBilinear(acc, oH, oW, { rows: band });
      if (bands.length === 1) acc.dispose();
      return resized;
    };

    const plane = oH * oW;
    const pred = new Int32Array(plane);
    const C = classRanges(queryClass).length;
    const probs = opts.probs !== false ? new Float32Array(C * plane) : undefined;
    const logitsOut = opts.logits ? new Float32Array(Q * plane) : undefined;
    /** Rows of a band's [n, bandRows, W] planes into [*, oH, W] at plane `first`. */
    const putPlanes = (dst: Float32Array, src: Float32Array, n: number, first: number, off: number, bandPx: number) => {
      for (let k = 0; k < n; k++) dst.set(src.subarray(k * bandPx, (k + 1) * bandPx), (first + k) * plane + off);
    };
    for (const band of bands) {
      const off = band[0] * oW;
      const bandPx = (band[1] - band[0]) * oW;
      let state: SegState | null = null;
      const kept: Tensor[] = [];
      for (const [i, c] of chunks.entries()) {
        const l = bandLogits(i, band);
        state = segAccumulate(l, queryClass.slice(c.start, c.end), state, i === 0, i === chunks.length - 1, opts.logitScale, opts.probThd);
        if (logitsOut) putPlanes(logitsOut, await l.readFloat(), c.end - c.start, c.start, off, bandPx);
        if (chunks.length === 1) kept.push(l);
        else l.dispose();
      }
      await stage('logits');
      pred.set((await state!.best.read()) as Int32Array, off);
      if (probs) {
        for (const [i, c] of chunks.entries()) {
          const l = kept[0] ?? bandLogits(i, band);
          const ranges = classRanges(queryClass.slice(c.start, c.end).map((k) => k - queryClass[c.start]));
          const pr = segProbs(l, ranges, state!, opts.logitScale);
          putPlanes(probs, await pr.readFloat(), ranges.length, queryClass[c.start], off, bandPx);
          pr.dispose();
          if (!kept.length) l.dispose();
        }
      }
      for (const k of kept) k.dispose();
      state!.stats.dispose();
      state!.best.dispose();
      await stage('postprocess');
    }
    for (const m of mergedKept.values()) m.dispose();
    return { height: oH, width: oW, pred, probs, logits: logitsOut, geometry: geo, timings };
  });
}

/**
 * The launches of slideInference after the vision tower, on dummy data of the same kinds, for
 * GpuDevice.precompile's trace: L2-normalised dense features of one window against two queries, the window merge, the
 * resize to an output size and both post-processing kernels. Pipelines only depend on dtypes and alignment, not on
 * the number of windows or queries, so one small pass covers a real segmentation's.
 */
export function tracePostprocess(clip: CLIP, dense: Tensor, crop: number, stride: number, logitScale: number, probThd: number): void {
  const dev = clip.device;
  const p = clip.config.vision.patchSize;
  const E = clip.config.embedDim;
  // An image one stride wider than a window (two windows; the first one's logits merged), resized to an output
  // size that differs from the input's, as a photo's is.
  const plan = windowPlan(crop, crop + stride, [crop + 1, crop + stride + 1], crop, stride, p);
  const [, g] = dense.shape;
  const side = plan.inputH / p;
  if (side * side !== g) throw new Error(`tracePostprocess: dense features have ${g} tokens, a ${crop}-pixel window ${side * side}`);
  const f = l2Normalize(dense);
  const q = dev.zeros([2, E], clip.dtype, 'traced queries');
  const cos = matmul(f, q, { transposeB: true });
  const cos32 = cos.dtype === 'f32' ? cos : cast(cos, 'f32');
  const grid = permute(cos32.reshape([1, side, side, 2]), [0, 3, 1, 2]);
  const merged = windowMerge(grid, plan.geometry, 0, null);
  const logits = resizeBilinear(merged, crop + 1, crop + stride + 1);
  const state = segAccumulate(logits, [0, 1], null, true, true, logitScale, probThd);
  segProbs(logits, classRanges([0, 1]), state, logitScale);
}
