/**
 * One interface over the checkpoint formats `convert` and `inspect` read: safetensors state_dicts and
 * PyTorch zip checkpoints. Tensors are listed up front and read one at a time.
 */
import path from 'node:path';
import { SafetensorsFile, type StDtype } from '@clearclip/tensor/safetensors';
import { open, stat } from 'node:fs/promises';
import { ZipReader } from './zip.js';
import { TorchCheckpoint, TorchTensorRef, expandsStorage } from './torch-checkpoint.js';
import { ST_DTYPE_SIZE } from '@clearclip/tensor/safetensors';
import { CheckpointError } from './errors.js';

/**
 * Everything read from a torch checkpoint may total at most this multiple of the file's size (plus 1 MiB): weights
 * are incompressible enough that an honest file never comes near it, while a deflate or view bomb would.
 */
export const MAX_OUTPUT_RATIO = 8;

export { CheckpointError };

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
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    throw new CheckpointError(`${file}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (st.isDirectory()) throw new CheckpointError(`${file}: is a directory, not a checkpoint file`);
  if (await ZipReader.isZip(file)) return openTorch(file);
  if (await isLegacyTorch(file)) {
    throw new CheckpointError(`${path.basename(file)}: a legacy (pre-1.6, non-zip) PyTorch checkpoint; not supported: re-save it with a current torch (torch.save writes the zip format) or convert it to safetensors`);
  }
  return openSafetensors(file);
}

/** Legacy torch.save files are a bare pickle stream: PROTO (0x80) then a protocol number 2-5. */
async function isLegacyTorch(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x80 && b[1] >= 2 && b[1] <= 5;
  } finally {
    await fh.close();
  }
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
  if (!(root instanceof Map)) throw new CheckpointError(`${path.basename(file)}: checkpoint holds ${describe(root)}, not a dict of tensors`);
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
    if (refs.size === 0) throw new CheckpointError(`${path.basename(file)}: no tensors found in the state_dict`);
    const strip = stripModulePrefix([...refs.keys()]);
    const byName = new Map<string, TorchTensorRef>();
    for (const [k, v] of refs) byName.set(strip(k), v);
    const base = path.basename(file);
    for (const [name, t] of byName) {
      if (expandsStorage(t)) {
        throw new CheckpointError(`${base}: tensor '${name}' is a view of ${t.shape.reduce((a, b) => a * b, 1)} elements over storage '${t.storage.key}' of ${t.storage.numel} (stride ${JSON.stringify(t.stride)}: expanded or overlapping); refused`);
      }
    }
    const tensors = [...byName].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape.slice() }));
    const budget = MAX_OUTPUT_RATIO * (await stat(file)).size + (1 << 20);
    let produced = 0;
    return {
      path: file,
      format: 'torch-zip',
      tensors,
      metadata: {},
      read: (name) => {
        const t = byName.get(name);
        if (!t) throw new Error(`${path.basename(file)}: no tensor '${name}'`);
        produced += t.shape.reduce((a, b) => a * b, 1) * ST_DTYPE_SIZE[t.dtype];
        if (produced > budget) {
          return Promise.reject(new CheckpointError(`${base}: tensor '${name}' takes the data read past ${MAX_OUTPUT_RATIO}x the file's size (${budget} bytes); refused as an expansion bomb`));
        }
        return ckpt.readTensor(t);
      },
      close: () => ckpt.close(),
    };
  } catch (e) {
    await ckpt.close();
    throw e;
  }
}
