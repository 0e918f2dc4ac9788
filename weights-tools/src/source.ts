/**
 * One interface over the checkpoint formats `convert` and `inspect` read: safetensors state_dicts and
 * PyTorch zip checkpoints. Tensors are listed up front and read one at a time.
 */
import path from 'node:path';
import { SafetensorsFile, type StDtype } from '@clearclip/tensor/safetensors';
import { ZipReader } from './zip.js';
import { TorchCheckpoint, TorchTensorRef } from './torch-checkpoint.js';

export interface SourceTensor {
  /** Name with any "module." prefix removed. */
  name: string;
  dtype: StDtype;
  shape: number[];
}

export interface CheckpointSource {
  readonly path: string;
  readonly format: 'safetensors' | 'torch-zip';
  readonly tensors: SourceTensor[];
  readonly metadata: Record<string, string>;
  /** Row-major little-endian bytes of the tensor's dtype. */
  read(name: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** DistributedDataParallel wraps the model and prefixes every key. */
function stripModulePrefix(names: string[]): (n: string) => string {
  const all = names.length > 0 && names.every((n) => n.startsWith('module.'));
  return all ? (n) => n.slice('module.'.length) : (n) => n;
}

export async function openCheckpoint(file: string): Promise<CheckpointSource> {
  if (await ZipReader.isZip(file)) return openTorch(file);
  return openSafetensors(file);
}

async function openSafetensors(file: string): Promise<CheckpointSource> {
  const st = await SafetensorsFile.open(file);
  const names = st.names();
  const strip = stripModulePrefix(names);
  const byName = new Map<string, string>();
  const tensors = names.map((n) => {
    const e = st.entry(n);
    byName.set(strip(n), n);
    return { name: strip(n), dtype: e.dtype, shape: e.shape };
  });
  return {
    path: file,
    format: 'safetensors',
    tensors,
    metadata: st.metadata,
    read: (name) => st.readRaw(byName.get(name) ?? name),
    close: () => st.close(),
  };
}

/** The state_dict inside a checkpoint object: itself, or nested under "state_dict" (training checkpoints). */
function findStateDict(root: unknown, file: string): Map<unknown, unknown> {
  if (!(root instanceof Map)) throw new Error(`${path.basename(file)}: checkpoint holds ${describe(root)}, not a dict of tensors`);
  const nested = root.get('state_dict');
  if (nested instanceof Map) return nested;
  return root;
}

function describe(v: unknown): string {
  if (v instanceof TorchTensorRef) return 'a single tensor';
  if (Array.isArray(v)) return 'a list/tuple';
  return v === null ? 'None' : typeof v;
}

async function openTorch(file: string): Promise<CheckpointSource> {
  const ckpt = await TorchCheckpoint.open(file);
  try {
    const sd = findStateDict(ckpt.root, file);
    const refs = new Map<string, TorchTensorRef>();
    for (const [k, v] of sd) if (typeof k === 'string' && v instanceof TorchTensorRef) refs.set(k, v);
    if (refs.size === 0) throw new Error(`${path.basename(file)}: no tensors found in the state_dict`);
    const strip = stripModulePrefix([...refs.keys()]);
    const byName = new Map<string, TorchTensorRef>();
    for (const [k, v] of refs) byName.set(strip(k), v);
    const tensors = [...byName].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape.slice() }));
    return {
      path: file,
      format: 'torch-zip',
      tensors,
      metadata: {},
      read: (name) => {
        const t = byName.get(name);
        if (!t) throw new Error(`${path.basename(file)}: no tensor '${name}'`);
        return ckpt.readTensor(t);
      },
      close: () => ckpt.close(),
    };
  } catch (e) {
    await ckpt.close();
    throw e;
  }
}
