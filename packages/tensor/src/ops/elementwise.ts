import type { Tensor } from '../tensor.js';
import { isFloat } from '../dtype.js';
import { shapeStr } from '../shape.js';
import { params } from './grid.js';
import { defineKernel } from '../kernel-descriptor.js';

const ELEMENTWISE = defineKernel({
  kernel: 'elementwise',
  workgroupSize: 256,
  grid: 'perInvocation',
  bindings: { uniforms: true, inputs: ['a', 'b'], outputs: ['out'] },
});

const OPS = { add: 0, mul: 1, scale: 2 } as const;

function checkBroadcast(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) throw new Error(`${op}: dtypes differ (${a.dtype} vs ${b.dtype})`);
  const tail = a.shape.slice(a.rank - b.rank);
  const ok = b.rank <= a.rank && b.shape.every((d, i) => d === tail[i]);
  if (!ok) throw new Error(`${op}: ${shapeStr(b.shape)} does not broadcast onto ${shapeStr(a.shape)} (b must equal a's trailing dimensions)`);
}

function run(op: keyof typeof OPS, a: Tensor, b: Tensor, alpha = 1, beta = 0): Tensor {
  if (!isFloat(a.dtype)) throw new Error(`${op}: needs a float tensor, got ${a.dtype}`);
  const out = a.device.empty(a.shape, a.dtype, op);
  ELEMENTWISE.dispatch(a.device, {
    defines: { T: a.dtype, OP: `${OPS[op]}u` },
    uniforms: params([{ u: a.size }, { u: Math.max(1, b.size) }, { f: alpha }, { f: beta }]),
    inputs: [a, b],
    outputs: [out],
    count: a.size,
    label: op,
  });
  return out;
}

/** a + b, with b equal to a's trailing dimensions (repeated over the leading ones). */
export function add(a: Tensor, b: Tensor): Tensor {
  checkBroadcast('add', a, b);
  return run('add', a, b);
}

/** a * b elementwise, with b equal to a's trailing dimensions. */
export function mul(a: Tensor, b: Tensor): Tensor {
  checkBroadcast('mul', a, b);
  return run('mul', a, b);
}

/** a * alpha + beta. */
export function scale(a: Tensor, alpha: number, beta = 0): Tensor {
  return run('scale', a, a, alpha, beta);
}
