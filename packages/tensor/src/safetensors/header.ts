import { ST_DTYPE_SIZE, SafetensorsError, isStDtype, type StDtype } from './dtypes.js';

/** One tensor of a file; begin/end are byte offsets relative to the data section (after the header). */
export interface StEntry {
  name: string;
  dtype: StDtype;
  shape: number[];
  begin: number;
  end: number;
}

/** A header larger than this is treated as corrupt rather than allocated. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Element count of a shape; throws when it is not a list of non-negative safe integers or overflows. */
export function shapeNumel(shape: unknown, where: string): number {
  if (!Array.isArray(shape)) throw new SafetensorsError(`${where}: shape must be an array, got ${JSON.stringify(shape)}`);
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new SafetensorsError(`${where}: shape ${JSON.stringify(shape)} must hold non-negative integers`);
    }
    n *= d;
    if (!Number.isSafeInteger(n)) throw new SafetensorsError(`${where}: shape ${JSON.stringify(shape)} has too many elements`);
  }
  return n;
}

/**
 * Validate a header (the JSON bytes after the 8-byte length) against the file size. Every tensor must have a
 * known dtype, a valid shape whose byte size equals its range, and the ranges must tile the data section
 * exactly: no overlap, no gap, nothing past the end.
 */
export function parseHeader(
  headerBytes: Uint8Array,
  fileSize: number,
  path: string,
): { entries: Map<string, StEntry>; metadata: Record<string, string>; dataStart: number } {
  const dataStart = 8 + headerBytes.length;
  if (dataStart > fileSize) {
    throw new SafetensorsError(`${path}: header of ${headerBytes.length} bytes does not fit in a file of ${fileSize} bytes`);
  }
  const dataSize = fileSize - dataStart;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(`${path}: header is not valid UTF-8`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`${path}: header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(json)) throw new SafetensorsError(`${path}: header must be a JSON object`);

  const metadata: Record<string, string> = {};
  const entries = new Map<string, StEntry>();
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isPlainObject(value)) throw new SafetensorsError(`${path}: __metadata__ must be an object of strings`);
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') {
          throw new SafetensorsError(`${path}: __metadata__ value for '${k}' must be a string, got ${JSON.stringify(v)}`);
        }
        // defineProperty: a key named __proto__ must stay data, not replace the prototype.
        Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    const where = `${path}: tensor '${name}'`;
    if (!isPlainObject(value)) throw new SafetensorsError(`${where}: entry must be an object`);
    const { dtype, shape, data_offsets: offsets } = value;
    if (!isStDtype(dtype)) throw new SafetensorsError(`${where}: unknown dtype ${JSON.stringify(dtype)}`);
    const numel = shapeNumel(shape, where);
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
    ) {
      throw new SafetensorsError(`${where}: data_offsets must be two non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end) throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] has begin > end`);
    if (end > dataSize) {
      throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] run past the data section (${dataSize} bytes)`);
    }
    const bytes = numel * ST_DTYPE_SIZE[dtype];
    if (bytes !== end - begin) {
      throw new SafetensorsError(
        `${where}: shape ${JSON.stringify(shape)} of ${dtype} needs ${bytes} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    }
    entries.set(name, { name, dtype, shape: (shape as number[]).slice(), begin, end });
  }

  const sorted = [...entries.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let prev: StEntry | null = null;
  for (const e of sorted) {
    if (e.begin < covered) {
      throw new SafetensorsError(
        `${path}: tensor '${e.name}' [${e.begin}, ${e.end}] overlaps tensor '${prev!.name}' [${prev!.begin}, ${prev!.end}]`,
      );
    }
    if (e.begin > covered) {
      throw new SafetensorsError(`${path}: data bytes [${covered}, ${e.begin}) before tensor '${e.name}' belong to no tensor`);
    }
    covered = e.end;
    prev = e;
  }
  if (covered !== dataSize) {
    throw new SafetensorsError(`${path}: data bytes [${covered}, ${dataSize}) at the end of the file belong to no tensor`);
  }
  return { entries, metadata, dataStart };
}
