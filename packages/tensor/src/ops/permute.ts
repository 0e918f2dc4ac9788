import type { Tensor } from '../tensor.js';
import { shapeStr } from '../shape.js';
import { params } from './grid.js';
import { defineKernel } from '../kernel-descriptor.js';

const PERMUTE = defineKernel({
  kernel: 'permute',
  workgroupSize: 256,
  grid: 'perInvocation',
  bindings: { uniforms: true, inputs: ['x'], outputs: ['out'] },
});

const MAX_RANK = 6;

/**
 * Collapse a permutation to the fewest axes that describe the same data movement: size-1 axes carry no data and
 * input axes that stay adjacent (and in order) in the output move as one block. A head split [L, 3, H, hd] ->
 * [3, H, L, hd] becomes [L, 3H, hd] -> [3H, L, hd], and a no-op permutation becomes a plain copy.
 * Returns the collapsed input dims and the permutation over them.
 */
export function collapsePermutation(shape: readonly number[], perm: readonly number[]): { dims: number[]; perm: number[] } {
  const kept = shape.map((d, a) => (d === 1 ? -1 : a)).filter((a) => a >= 0);
  const rank = new Map(kept.map((a, k) => [a, k]));
  const p = perm.filter((a) => rank.has(a)).map((a) => rank.get(a)!);
  const dims = kept.map((a) => shape[a]);
  // Runs of consecutive input axes in output order.
  const groups: number[][] = [];
  for (const a of p) {
    const g = groups.at(-1);
    if (g && g.at(-1)! + 1 === a) g.push(a);
    else groups.push([a]);
  }
  const byInput = groups.slice().sort((g, h) => g[0] - h[0]);
  return {
    dims: byInput.map((g) => g.reduce((n, a) => n * dims[a], 1)),
    perm: groups.map((g) => byInput.indexOf(g)),
  };
}

function checkPerm(x: Tensor, perm: number[]): void {
  const ok = perm.length === x.rank && perm.every((a) => Number.isInteger(a) && a >= 0 && a < x.rank) && new Set(perm).size === perm.length;
  if (!ok) {
    throw new Error(`permute: perm [${perm.join(', ')}] is not a permutation of 0..${x.rank - 1} for input ${shapeStr(x.shape)} (rank ${x.rank})`);
  }
}

/** out.shape[j] = x.shape[perm[j]]: output axis j is input axis perm[j] (numpy/PyTorch convention). */
export function permute(x: Tensor, perm: number[]): Tensor {
  checkPerm(x, perm);
  const c = collapsePermutation(x.shape, perm);
  if (c.dims.length > MAX_RANK) {
    throw new Error(
      `permute: input ${shapeStr(x.shape)} with perm [${perm.join(', ')}] needs ${c.dims.length} axes after merging adjacent ones; at most ${MAX_RANK} are supported`,
    );
  }
  const out = x.device.empty(
    perm.map((a) => x.shape[a]),
    x.dtype,
    'permute',
  );
  if (out.size === 0) return out;
  const inStrides = c.dims.map((_, k) => c.dims.slice(k + 1).reduce((n, d) => n * d, 1));
  const pad = MAX_RANK - c.perm.length;
  const dims = [...Array(pad).fill(1), ...c.perm.map((a) => c.dims[a])];
  const strides = [...Array(pad).fill(0), ...c.perm.map((a) => inStrides[a])];
  PERMUTE.dispatch(x.device, {
    defines: { T: x.dtype },
    uniforms: params([
      { u: out.size },
      { u: 0 },
      { u: 0 },
      { u: 0 },
      ...[...dims, 1, 1].map((u) => ({ u })),
      ...[...strides, 0, 0].map((u) => ({ u })),
    ]),
    inputs: [x],
    outputs: [out],
    count: out.size,
    label: 'permute',
  });
  return out;
}

/** Swap the last two axes. */
export function transpose(x: Tensor): Tensor {
  if (x.rank < 2) throw new Error(`transpose: needs rank >= 2, got ${shapeStr(x.shape)}`);
  const perm = x.shape.map((_, a) => a);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return permute(x, perm);
}
