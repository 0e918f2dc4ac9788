/**
 * The peer's spelling of each op case, keyed by the table's op name: the same inputs and parameters in
 * TensorFlow.js. Ops missing here are timed without a peer.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { CaseData, LayerNormParams, MatmulParams, OpCase, SoftmaxParams } from '@clearclip/tensor/op-cases';
import type { Tf } from './peer-tfjs.js';

export interface PeerRun {
  run(): TF.Tensor;
  dispose(): void;
  /** How the peer does it, when that is not one op (e.g. "composed"). */
  label?: string;
}

type PeerOp = (tf: Tf, d: CaseData, c: OpCase<never>) => PeerRun;

const upload = (tf: Tf, d: CaseData) => d.inputs.map((x) => tf.tensor(x.data, x.shape));

export const peerOps: Record<string, PeerOp> = {
  matmul(tf, d, c) {
    const p = (c as OpCase<MatmulParams>).params;
    // tfjs batch-matmul wants b's batch dims spelled out; a shared weight is [K, N] and broadcasts.
    const [a, b] = upload(tf, d);
    return { run: () => tf.matMul(a, b, false, p.transposeB), dispose: () => [a, b].forEach((x) => x.dispose()) };
  },
  softmax(tf, d, c) {
    const { scale } = (c as OpCase<SoftmaxParams>).params;
    const [x] = upload(tf, d);
    return { run: () => tf.softmax(scale === 1 ? x : tf.mul(x, scale)), dispose: () => x.dispose() };
  },
  // tfjs has no layer-norm kernel: moments, then normalise, scale and shift (several dispatches).
  layerNorm(tf, d, c) {
    const { eps } = (c as OpCase<LayerNormParams>).params;
    const [x, g, b] = upload(tf, d);
    return {
      label: 'composed',
      run: () =>
        tf.tidy(() => {
          const { mean, variance } = tf.moments(x, -1, true);
          return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
        }),
      dispose: () => [x, g, b].forEach((t) => t.dispose()),
    };
  },
};
