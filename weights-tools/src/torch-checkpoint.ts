/**
 * PyTorch zip checkpoints (torch.save since 1.6): `<prefix>/data.pkl` describes the object, tensors point
 * at `<prefix>/data/<key>` storages through persistent ids. Only tensors and dicts are rebuilt (see pickle.ts).
 */
import path from 'node:path';
import { ST_DTYPE_SIZE, type StDtype } from '@clearclip/tensor/safetensors';
import { PickleError, PickleGlobal, unpickle } from './pickle.js';
import { ZipError, ZipReader } from './zip.js';
import { CheckpointError } from './errors.js';

/** Storage classes torch.save names in persistent ids, and the element type each holds. */
export const STORAGE_DTYPES: Record<string, StDtype> = {
  DoubleStorage: 'F64', FloatStorage: 'F32', HalfStorage: 'F16', BFloat16Storage: 'BF16', LongStorage: 'I64',
  IntStorage: 'I32', ShortStorage: 'I16', CharStorage: 'I8', ByteStorage: 'U8', BoolStorage: 'BOOL',
};

/** Every global a state_dict pickle may name. Anything else is refused before it could be used. */
const ALLOWED_GLOBALS = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  ...Object.keys(STORAGE_DTYPES).map((s) => `torch.${s}`),
]);

export interface StorageRef {
  readonly kind: 'storage';
  key: string;
  dtype: StDtype;
  numel: number;
}

/** A tensor as the pickle describes it: a strided view of a storage. */
export class TorchTensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly storageOffset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
  get dtype(): StDtype {
    return this.storage.dtype;
  }
}

function intList(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
    throw new Error(`${what} must be a tuple of non-negative ints, got ${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x))}`);
  }
  return v as number[];
}

function rebuildTensor(args: unknown[]): TorchTensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof Object) || (storage as StorageRef).kind !== 'storage') throw new Error('first argument is not a storage');
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw new Error(`storage offset ${String(offset)} is not a non-negative int`);
  const shape = intList(size, 'size');
  const strides = intList(stride, 'stride');
  if (strides.length !== shape.length) throw new Error(`size ${JSON.stringify(shape)} and stride ${JSON.stringify(strides)} differ in rank`);
  const s = storage as StorageRef;
  // The last element reached must lie inside the storage.
  const numel = shape.reduce((a, b) => a * b, 1);
  const last = numel === 0 ? offset : offset + shape.reduce((acc, d, i) => acc + (d - 1) * strides[i], 0);
  if (numel > 0 && last >= s.numel) throw new Error(`view (offset ${offset}, size ${JSON.stringify(shape)}, stride ${JSON.stringify(strides)}) runs past storage '${s.key}' of ${s.numel} elements`);
  return new TorchTensorRef(s, offset, shape, strides);
}

function reduceGlobal(fn: PickleGlobal, args: unknown[]): unknown {
  switch (fn.qualname) {
    case 'collections.OrderedDict': {
      const d = new Map<unknown, unknown>();
      const items = args[0];
      if (Array.isArray(items)) for (const kv of items) if (Array.isArray(kv) && kv.length === 2) d.set(kv[0], kv[1]);
      return d;
    }
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2':
      return rebuildTensor(args);
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      if (!(args[0] instanceof TorchTensorRef)) throw new Error('parameter data is not a tensor');
      return args[0];
    default:
      throw new Error(`${fn.qualname} cannot be called`);
  }
}

/**
 * True when the view reads more elements than its storage holds: stride 0 (expand/broadcast) or overlapping
 * strides. Contiguous and transposed (permuted) views never do, so they are what state_dicts contain.
 */
export function expandsStorage(t: TorchTensorRef): boolean {
  const numel = t.shape.reduce((a, b) => a * b, 1);
  return numel > t.storage.numel;
}

/** A torch zip checkpoint opened for tensor-by-tensor reading. */
export class TorchCheckpoint {
  private constructor(
    readonly path: string,
    private readonly zip: ZipReader,
    private readonly prefix: string,
    /** The unpickled top-level object (Maps for dicts, TorchTensorRef for tensors). */
    readonly root: unknown,
  ) {}

  static async open(file: string): Promise<TorchCheckpoint> {
    const name = path.basename(file);
    if (!(await ZipReader.isZip(file))) {
      throw new CheckpointError(`${name}: not a zip-format PyTorch checkpoint (legacy pre-1.6 torch.save files are not supported; re-save with a current torch)`);
    }
    const zip = await ZipReader.open(file);
    try {
      const pkl = [...zip.entries.keys()].filter((k) => /^[^/]+\/data\.pkl$/.test(k));
      if (pkl.length !== 1) {
        const hint = [...zip.entries.keys()].some((k) => k.endsWith('constants.pkl')) ? ' (this looks like a TorchScript archive; use the OpenCLIP state_dict instead)' : '';
        throw new Error(`${name}: expected exactly one <archive>/data.pkl, found ${pkl.length}${hint}`);
      }
      const prefix = pkl[0].slice(0, -'data.pkl'.length);
      const byteorder = zip.entries.has(`${prefix}byteorder`) ? new TextDecoder().decode(await zip.read(`${prefix}byteorder`)).trim() : 'little';
      if (byteorder !== 'little') throw new Error(`${name}: checkpoint was saved with byteorder '${byteorder}'; only little-endian is supported`);
      const data = await zip.read(pkl[0]);
      const root = unpickle(data, {
        source: `${name}:${pkl[0]}`,
        allowGlobal: (m, n) => ALLOWED_GLOBALS.has(`${m}.${n}`),
        reduce: reduceGlobal,
        build: (obj) => obj, // OrderedDict._metadata and parameter state carry nothing we need
        persistentLoad: (pid) => {
          if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) throw new Error(`unexpected persistent id ${JSON.stringify(pid)}`);
          const [, cls, key, , numel] = pid;
          if (!(cls instanceof PickleGlobal) || cls.module !== 'torch' || !(cls.name in STORAGE_DTYPES)) throw new Error('persistent id does not name a torch storage class');
          if (typeof key !== 'string' || typeof numel !== 'number') throw new Error(`bad storage key/size in persistent id`);
          const entry = `${prefix}data/${key}`;
          const e = zip.entries.get(entry);
          if (!e) throw new Error(`storage '${key}' has no entry ${entry} in the zip`);
          const dtype = STORAGE_DTYPES[cls.name];
          if (e.size < numel * ST_DTYPE_SIZE[dtype]) throw new Error(`storage '${key}' holds ${e.size} bytes, fewer than ${numel} x ${dtype}`);
          return { kind: 'storage', key, dtype, numel } satisfies StorageRef;
        },
      });
      return new TorchCheckpoint(file, zip, prefix, root);
    } catch (e) {
      await zip.close();
      if (e instanceof PickleError || e instanceof ZipError || e instanceof CheckpointError) throw e;
      throw new CheckpointError(e instanceof Error && e.message.startsWith(name) ? e.message : `${name}: ${(e as Error).message}`);
    }
  }

  /** The tensor's elements in row-major order as little-endian bytes of its dtype. */
  async readTensor(t: TorchTensorRef): Promise<Uint8Array> {
    const isz = ST_DTYPE_SIZE[t.dtype];
    const numel = t.shape.reduce((a, b) => a * b, 1);
    const entry = `${this.prefix}data/${t.storage.key}`;
    if (numel === 0) return new Uint8Array(0);
    // Contiguous (the usual case): one positioned read.
    let expect = 1;
    let contiguous = true;
    for (let i = t.shape.length - 1; i >= 0; i--) {
      if (t.shape[i] !== 1 && t.stride[i] !== expect) contiguous = false;
      expect *= t.shape[i];
    }
    if (contiguous) return this.zip.read(entry, t.storageOffset * isz, numel * isz);
    // A strided view: read the span it covers and gather.
    const span = t.shape.reduce((acc, d, i) => acc + (d - 1) * t.stride[i], 0) + 1;
    const src = await this.zip.read(entry, t.storageOffset * isz, span * isz);
    const out = new Uint8Array(numel * isz);
    const idx = new Array<number>(t.shape.length).fill(0);
    for (let n = 0; n < numel; n++) {
      let off = 0;
      for (let d = 0; d < idx.length; d++) off += idx[d] * t.stride[d];
      out.set(src.subarray(off * isz, off * isz + isz), n * isz);
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < t.shape[d]) break;
        idx[d] = 0;
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.zip.close();
  }
}
