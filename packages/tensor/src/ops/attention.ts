import type { Tensor } from '../tensor.js';
import { isFloat } from '../dtype.js';
import { params, ceilDiv } from './grid.js';
import { defineKernel } from '../kernel-descriptor.js';
import { hostAdapterClass } from '../tune/adapter.js';

/** Element (item, head, row, d) of an attention operand sits at offset + item*itemStride + head*headStride + row*rowStride + d. */
export interface AttentionView {
  tensor: Tensor;
  offset: number;
  itemStride: number;
  headStride: number;
  rowStride: number;
}

export interface FusedAttention {
  items: number;
  heads: number;
  /** Query rows per (item, head). */
  L: number;
  /** Key (and value) rows per (item, head); default L. */
  S?: number;
  headDim: number;
  q: AttentionView;
  k: AttentionView;
  v: AttentionView;
  /** Where to write; default a new dense [items, L, heads * headDim] tensor (heads side by side in a row). */
  out?: AttentionView;
  /** Default headDim^-0.5. */
  scale?: number;
  /** Query i sees keys j <= i + S - L only (the text tower; with S > L the first S - L keys are a cached prefix). */
  causal?: boolean;
  /**
   * Which kernel: 'tiled' (attention.wgsl: key/value tiles staged in workgroup memory, 64 query rows per workgroup,
   * for GPUs) or 'lane' (attention_lane.wgsl: 8 query rows per workgroup reading keys and values with uniform loads,
   * for CPU adapters, where per-lane loads are scalar loops). Default: 'lane' on software adapters where the views
   * allow vec4 loads of k and v, else 'tiled'.
   */
  variant?: AttentionVariant;
}

export type AttentionVariant = 'tiled' | 'lane';

const WG = 64;
const ATTENTION = defineKernel({
  kernel: 'attention',
  workgroupSize: WG,
  grid: 'own',
  // 16 keys x HD values of k and of v staged per tile: 8 KiB of workgroup memory at HD = 64.
  constants: { KT: 16 },
  bindings: { uniforms: true, inputs: ['q', 'k', 'v'], outputs: ['out'] },
});

const LANE_WG = 8;
const ATTENTION_LANE = defineKernel({
  kernel: 'attention_lane',
  workgroupSize: LANE_WG,
  grid: 'own',
  constants: { KT: 8 },
  bindings: { uniforms: true, inputs: ['q', 'k', 'v'], outputs: ['out'] },
});

/** k and v can be read as vec4: head size, offsets and strides all multiples of 4 elements. */
function vec4Views(f: FusedAttention): boolean {
  const a = (v: AttentionView) => [v.offset, v.itemStride, v.headStride, v.rowStride].every((x) => x % 4 === 0);
  return f.headDim % 4 === 0 && a(f.k) && a(f.v);
}

function check(what: string, v: AttentionView, f: FusedAttention, rows: number): void {
  for (const k of ['offset', 'itemStride', 'headStride', 'rowStride'] as const) {
    if (!Number.isInteger(v[k]) || v[k] < 0) throw new Error(`attention: ${what}.${k} must be a non-negative integer, got ${v[k]}`);
  }
  const last = v.offset + (f.items - 1) * v.itemStride + (f.heads - 1) * v.headStride + (rows - 1) * v.rowStride + f.headDim - 1;
  if (last >= v.tensor.size) throw new Error(`attention: ${what} view reaches element ${last}, beyond ${v.tensor} (${v.tensor.size} elements)`);
}

/**
 * softmax(scale · q kᵀ (+ causal mask)) · v per (item, head) in one launch (attention.wgsl): an online softmax over
 * key tiles, never writing the L x S scores. Same function as matmulStrided -> softmax -> matmulStrided.
 */
export function attention(f: FusedAttention): Tensor {
  const S = f.S ?? f.L;
  const { items, heads, L, headDim } = f;
  for (const [k, v] of Object.entries({ items, heads, L, S, headDim })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`attention: ${k} must be a positive integer, got ${v}`);
  }
  if (f.causal && S < L) throw new Error(`attention: causal needs S >= L, got L ${L}, S ${S}`);
  const dt = f.q.tensor.dtype;
  if (!isFloat(dt)) throw new Error(`attention: q must be f32 or f16, got ${f.q.tensor}`);
  for (const x of [f.k, f.v, ...(f.out ? [f.out] : [])]) if (x.tensor.dtype !== dt) throw new Error(`attention: dtypes differ: ${f.q.tensor} vs ${x.tensor}`);
  const dev = f.q.tensor.device;
  const W = heads * headDim;
  const out = f.out ?? { tensor: dev.empty([items, L, W], dt, 'attention'), offset: 0, itemStride: L * W, headStride: headDim, rowStride: W };
  check('q', f.q, f, L);
  check('k', f.k, f, S);
  check('v', f.v, f, S);
  check('out', out, f, L);
  const scale = f.scale ?? headDim ** -0.5;
  const view = (v: AttentionView) => [{ u: v.offset }, { u: v.itemStride }, { u: v.headStride }, { u: v.rowStride }];
  const gy = items * heads;
  if (gy > dev.limits.maxComputeWorkgroupsPerDimension) throw new Error(`attention: ${gy} (item, head) pairs exceed the grid limit`);
  const canLane = vec4Views(f);
  const variant = f.variant ?? (canLane && hostAdapterClass(dev) === 'software' ? 'lane' : 'tiled');
  if (variant === 'lane' && !canLane) {
    throw new Error(`attention: the lane kernel reads k and v as vec4: headDim and every k/v offset and stride must be multiples of 4`);
  }
  const [kernel, wg] = variant === 'lane' ? [ATTENTION_LANE, LANE_WG] : [ATTENTION, WG];
  kernel.dispatch(dev, {
    defines: { T: dt, HD: `${headDim}u`, CAUSAL: !!f.causal },
    uniforms: params([{ u: heads }, { u: L }, { u: S }, { f: scale }, ...view(f.q), ...view(f.k), ...view(f.v), ...view(out)]),
    inputs: [f.q.tensor, f.k.tensor, f.v.tensor],
    outputs: [out.tensor],
    workgroups: [ceilDiv(L, wg), gy, 1],
    label: `attention ${variant} ${items}x${heads}x${L}x${S}x${headDim}${f.causal ? ' causal' : ''}`,
  });
  return out.tensor;
}
