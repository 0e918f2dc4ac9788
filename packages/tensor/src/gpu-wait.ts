/**
 * How the host waits for the GPU. Dawn's Node binding settles WebGPU promises (onSubmittedWorkDone, mapAsync) by
 * polling its instance from setImmediate for as long as one is pending, so a wait keeps one CPU core at 100 %. On a
 * hardware GPU that is only waste; on a software adapter (lavapipe, SwiftShader) the "GPU" is the CPU's cores, and
 * the spinning thread takes one of them from the kernels: on a 2-core machine a 785x768x3072 matmul measured about
 * 1.4x slower while the main thread spun (bench: `npm run bench -- --model` prints both).
 *
 * 'sleep' waits the other way: the main thread blocks in Atomics.wait for a short slice, then gives the event loop
 * one turn (in which Dawn polls once and the promise may settle), and repeats. The slice starts at 0.1 ms and grows
 * by half each turn to at most 2 ms, so a short wait costs little latency and a long one almost no CPU. Blocking the
 * main thread is allowed in Node; in a browser's main thread Atomics.wait throws, and browsers do not spin anyway,
 * so there it is always 'spin' (the plain await).
 */
export type WaitMode = 'spin' | 'sleep';

const MAX_SLICE_MS = 2;

/** Whether this thread may block in Atomics.wait (Node, or a worker). */
export function canSleepWait(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; SharedArrayBuffer?: unknown };
  return typeof Atomics?.wait === 'function' && typeof g.SharedArrayBuffer === 'function' && !!g.process?.versions?.node;
}

/** CLEARCLIP_WAIT=spin|sleep, where the environment has one; null when unset. Any other value is an error. */
export function waitModeFromEnv(): WaitMode | null {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  const v = g.process?.env?.CLEARCLIP_WAIT;
  if (v === undefined || v === '') return null;
  if (v === 'spin' || v === 'sleep') return v;
  throw new Error(`CLEARCLIP_WAIT must be "spin" or "sleep", got "${v}"`);
}

let cell: Int32Array | null = null;

/** One turn of Node's event loop (setImmediate is Node's; this runs only where canSleepWait() holds). */
const turn = () => new Promise<void>((r) => (globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(r));

/** Await a WebGPU promise in the given mode (see the file comment). */
export async function settle<T>(p: Promise<T>, mode: WaitMode): Promise<T> {
  if (mode === 'spin' || !canSleepWait()) return p;
  let settled = false;
  const mark = () => {
    settled = true;
  };
  p.then(mark, mark);
  cell ??= new Int32Array(new SharedArrayBuffer(4));
  let slice = 0.1;
  // One turn first: a wait on finished work settles without sleeping at all.
  await turn();
  while (!settled) {
    Atomics.wait(cell, 0, 0, slice);
    slice = Math.min(MAX_SLICE_MS, slice * 1.5);
    await turn();
  }
  return p;
}
