import { type Tensor, params, shapeStr } from '@clearclip/tensor';
import { SEG_ACCUMULATE, SEG_PROBS } from './kernels.js';

/** Running softmax statistics and best class per pixel, updated chunk by chunk of queries. */
export interface SegState {
  stats: Tensor; // [2, N]: M, S
  best: Tensor; // [N] i32
}

/**
 * Fold one chunk of query logits [Qc, H, W] (f32) into the per-pixel state. `qclass` gives each chunk query's class.
 * Chunks must come in query order. The final chunk turns `best` into the prediction with prob_thd applied.
 */
export function segAccumulate(logits: Tensor, qclass: number[], state: SegState | null, first: boolean, final: boolean, logitScale: number, probThd: number): SegState {
  if (logits.rank !== 3 || logits.shape[0] !== qclass.length) throw new Error(`segAccumulate: logits ${shapeStr(logits.shape)} do not hold ${qclass.length} queries`);
  if (logits.dtype !== 'f32') throw new Error(`segAccumulate: logits must be f32, got ${logits.dtype}`);
  const [Q, H, W] = logits.shape;
  const dev = logits.device;
  const s = state ?? { stats: dev.empty([2, H * W], 'f32', 'seg_stats'), best: dev.empty([H, W], 'i32', 'seg_pred') };
  if (s.best.size !== H * W) throw new Error(`segAccumulate: state is for ${s.best.size} pixels, logits have ${H * W}`);
  dev.scope(() => {
    const qc = dev.tensor(Int32Array.from(qclass), [Q], 'i32', 'query_class');
    SEG_ACCUMULATE.dispatch(dev, {
      defines: { FINAL: final ? '1u' : '0u' },
      uniforms: params([{ u: Q }, { u: H * W }, { u: first ? 0 : 1 }, { u: 0 }, { f: logitScale }, { f: probThd }, { f: 0 }, { f: 0 }]),
      inputs: [logits, qc],
      outputs: [s.stats, s.best],
      count: H * W,
      label: 'seg_accumulate',
    });
  });
  return s;
}

/** Class probabilities [C, H, W] for a chunk of whole classes; `ranges` are chunk-local [first, end) query ranges. */
export function segProbs(logits: Tensor, ranges: [number, number][], state: SegState, logitScale: number): Tensor {
  const [, H, W] = logits.shape;
  const dev = logits.device;
  return dev.scope(() => {
    const r = dev.tensor(Uint32Array.from(ranges.flat()), [ranges.length, 2], 'u32', 'class_ranges');
    const probs = dev.empty([ranges.length, H, W], 'f32', 'seg_probs');
    SEG_PROBS.dispatch(dev, {
      uniforms: params([{ u: logits.shape[0] }, { u: H * W }, { u: ranges.length }, { u: 0 }, { f: logitScale }, { f: 0 }, { f: 0 }, { f: 0 }]),
      inputs: [logits, r, state.stats],
      outputs: [probs],
      count: H * W * ranges.length,
      label: 'seg_probs',
    });
    return probs;
  });
}

/** [first, end) query range of each class; throws unless classes are 0..C-1 in order with contiguous queries. */
export function classRanges(queryClass: number[]): [number, number][] {
  const out: [number, number][] = [];
  queryClass.forEach((c, q) => {
    if (c === out.length - 1) out[c][1] = q + 1;
    else if (c === out.length) out.push([q, q + 1]);
    else throw new Error(`class ranges: query ${q} has class ${c}; classes must appear in order with contiguous queries`);
  });
  if (out.length === 0) throw new Error('class ranges: no queries');
  return out;
}
