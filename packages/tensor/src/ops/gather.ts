import type { Tensor } from '../tensor.js';
import { shapeStr } from '../shape.js';
import { params } from './grid.js';
import { defineKernel } from '../kernel-descriptor.js';

const GATHER = defineKernel({
  kernel: 'gather',
  workgroupSize: 256,
  grid: 'perInvocation',
  bindings: { uniforms: true, inputs: ['table', 'idx'], outputs: ['out'] },
});

/**
 * Rows of a [R, D] table picked by indices: out[i, :] = table[indices[i], :]. `indices` is host data (token ids,
 * pooling positions), checked here so that a bad id is an error naming it instead of a silent wrong row.
 */
export function gatherRows(table: Tensor, indices: ArrayLike<number>, name = 'gatherRows'): Tensor {
  if (table.rank !== 2) throw new Error(`${name}: table must be [rows, width], got ${shapeStr(table.shape)}`);
  const [rows, width] = table.shape;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (!Number.isInteger(v) || v < 0 || v >= rows) throw new Error(`${name}: index ${v} at position ${i} is outside [0, ${rows})`);
  }
  const dev = table.device;
  return dev.scope(() => {
    const idx = dev.tensor(Int32Array.from(indices), [indices.length], 'i32', `${name}.indices`);
    const out = dev.empty([indices.length, width], table.dtype, name);
    GATHER.dispatch(dev, {
      defines: { T: table.dtype },
      uniforms: params([{ u: indices.length }, { u: width }, { u: rows }, { u: 0 }]),
      inputs: [table, idx],
      outputs: [out],
      count: indices.length * width,
      label: name,
    });
    return out;
  });
}
