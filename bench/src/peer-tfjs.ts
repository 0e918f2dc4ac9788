/**
 * The peer: TensorFlow.js's WebGPU backend on the same adapter. In Node it needs Dawn's GPU as navigator.gpu (and
 * the GPU* constants as globals) before @tensorflow/tfjs-backend-webgpu is imported, since that module registers its
 * backend at import time only when navigator.gpu exists.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { timeWall, type Timing, type TimingOptions } from './timing.js';

export type Tf = typeof TF;

export interface Peer {
  name: string;
  tf: Tf;
  /** Time one op; `run` returns the op's output tensor. */
  time(run: () => TF.Tensor, opts: TimingOptions): Promise<Timing>;
  dispose(): void;
}

export async function createTfjsPeer(): Promise<Peer> {
  const g = globalThis as unknown as { navigator?: { gpu?: GPU } };
  if (!g.navigator?.gpu) {
    if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
    const dawn = (await import('webgpu')) as unknown as { create(o: string[]): GPU; globals: object };
    for (const [k, v] of Object.entries(dawn.globals)) {
      if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    }
    const gpu = dawn.create([]);
    if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
  const tf = (await import('@tensorflow/tfjs-core')) as unknown as Tf;
  await import('@tensorflow/tfjs-backend-webgpu');
  const ok = await tf.setBackend('webgpu');
  if (!ok || tf.getBackend() !== 'webgpu') throw new Error('tfjs: the webgpu backend failed to initialise');
  await tf.ready();
  // Wait for the queued work with a one-element read: reading the whole output would add its copy to the time.
  const sync = async (r: TF.Tensor) => {
    const one = tf.tidy(() => tf.slice(tf.reshape(r, [-1]), 0, 1));
    await one.data();
    one.dispose();
  };
  return {
    name: `tfjs-core ${tf.version_core} webgpu`,
    tf,
    time: (run, opts) => timeWall(run, sync, (r) => r.dispose(), opts),
    dispose: () => {
      tf.disposeVariables();
      tf.engine().reset();
    },
  };
}
