/**
 * A restricted unpickler: enough of protocols 2-5 to read what torch.save writes for state_dicts.
 * It never imports or runs anything. A GLOBAL is only accepted when `allowGlobal` says so, and it then
 * becomes an inert `PickleGlobal` marker; REDUCE/BUILD on such a marker are handed to the caller's
 * `reduce`/`build`, which rebuild plain data (tensor descriptions, dicts). Everything else is an error.
 */

export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleError';
  }
}

export class PickleGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A pickled tuple (kept distinct from lists only for error messages and persistent ids). */
export type PickleValue = unknown;

export interface UnpickleOptions {
  /** Name used in error messages (the checkpoint file and entry). */
  source: string;
  allowGlobal(module: string, name: string): boolean;
  /** Called for REDUCE (and NEWOBJ) with an allowed global. */
  reduce(callable: PickleGlobal, args: unknown[]): unknown;
  /** Called for BUILD: returns the object to leave on the stack. */
  build?(obj: unknown, state: unknown): unknown;
  /** BINPERSID handler. */
  persistentLoad?(pid: unknown): unknown;
}

const MARK = Symbol('mark');

const OPNAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES',
  0x47: 'BINFLOAT', 0x4a: 'BININT', 0x4b: 'BININT1', 0x4d: 'BININT2', 0x4e: 'NONE', 0x51: 'BINPERSID', 0x52: 'REDUCE',
  0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x58: 'BINUNICODE', 0x5d: 'EMPTY_LIST', 0x61: 'APPEND', 0x62: 'BUILD',
  0x63: 'GLOBAL', 0x64: 'DICT', 0x65: 'APPENDS', 0x68: 'BINGET', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x71: 'BINPUT',
  0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x7d: 'EMPTY_DICT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE',
  0x8a: 'LONG1', 0x8b: 'LONG4', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME',
  // Known but refused: they exist to call arbitrary code or carry out-of-band buffers.
  0x69: 'INST', 0x6f: 'OBJ', 0x92: 'NEWOBJ_EX', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER', 0x50: 'PERSID', 0x49: 'INT', 0x4c: 'LONG', 0x46: 'FLOAT', 0x53: 'STRING',
  0x56: 'UNICODE', 0x67: 'GET', 0x70: 'PUT',
};

export function opcodeName(op: number): string {
  return OPNAMES[op] ?? 'unknown';
}

export function unpickle(data: Uint8Array, opts: UnpickleOptions): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = 0;
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (msg: string, at = pos): never => {
    throw new PickleError(`${opts.source}: pickle ${msg} (at byte ${at})`);
  };
  const need = (n: number): void => {
    if (pos + n > data.length) fail(`is truncated: needs ${n} more byte(s), ${data.length - pos} left`);
  };
  const u8 = (): number => (need(1), data[pos++]);
  const u16 = (): number => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const i32 = (): number => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u32 = (): number => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const bytes = (n: number): Uint8Array => {
    need(n);
    pos += n;
    return data.subarray(pos - n, pos);
  };
  const text = (n: number): string => {
    try {
      return utf8.decode(bytes(n));
    } catch {
      return fail('holds a string that is not valid UTF-8');
    }
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('is truncated: GLOBAL name has no newline');
    const s = new TextDecoder('latin1').decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('pops from an empty stack');
    const v = stack.pop();
    if (v === MARK) fail('pops a MARK as a value');
    return v;
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('reads an empty stack');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    if (marks.length === 0) fail('uses a MARK that was never pushed');
    stack = marks.pop()!;
    return items;
  };
  const global = (module: string, name: string, at: number): PickleGlobal => {
    if (!opts.allowGlobal(module, name)) {
      fail(`references global '${module}.${name}', which is not on the allow-list (refusing to load: a checkpoint must only hold tensors and dicts)`, at);
    }
    return new PickleGlobal(module, name);
  };
  const setItems = (dict: unknown, kv: unknown[]): void => {
    if (!(dict instanceof Map)) fail('sets items on something that is not a dict');
    if (kv.length % 2) fail('SETITEMS has an odd number of items');
    for (let i = 0; i < kv.length; i += 2) (dict as Map<unknown, unknown>).set(kv[i], kv[i + 1]);
  };
  const long = (b: Uint8Array): number | bigint => {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b.length && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const at = pos;
    if (pos >= data.length) fail('is truncated: ended without STOP');
    const op = data[pos++];
    switch (op) {
      case 0x80: { // PROTO
        const p = u8();
        if (p > 5) fail(`uses protocol ${p}; protocols 2-5 are supported`, at);
        break;
      }
      case 0x95: u64(); break; // FRAME: a framing hint only
      case 0x2e: { // STOP
        const v = pop();
        return v;
      }
      case 0x28: marks.push(stack); stack = []; break; // MARK
      case 0x30: pop(); break;
      case 0x31: popMark(); break;
      case 0x32: stack.push(top()); break;
      case 0x4e: stack.push(null); break;
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4a: stack.push(i32()); break;
      case 0x4b: stack.push(u8()); break;
      case 0x4d: stack.push(u16()); break;
      case 0x8a: stack.push(long(bytes(u8()))); break;
      case 0x8b: { const n = i32(); if (n < 0) fail('LONG4 has a negative length', at); stack.push(long(bytes(n))); break; }
      case 0x47: need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break; // BINFLOAT is big-endian
      case 0x58: stack.push(text(u32())); break;
      case 0x8c: stack.push(text(u8())); break;
      case 0x8d: stack.push(text(u64())); break;
      case 0x54: { const n = i32(); if (n < 0) fail('BINSTRING has a negative length', at); stack.push(new TextDecoder('latin1').decode(bytes(n))); break; }
      case 0x55: stack.push(new TextDecoder('latin1').decode(bytes(u8()))); break;
      case 0x42: stack.push(bytes(u32()).slice()); break;
      case 0x43: stack.push(bytes(u8()).slice()); break;
      case 0x8e: stack.push(bytes(u64()).slice()); break;
      case 0x7d: stack.push(new Map()); break;
      case 0x5d: stack.push([]); break;
      case 0x29: stack.push(Object.freeze([])); break;
      case 0x8f: stack.push(new Set()); break;
      case 0x64: { const kv = popMark(); const d = new Map(); setItems(d, kv); stack.push(d); break; } // DICT
      case 0x6c: { const l = popMark(); stack.push(l); break; } // LIST (popMark swaps `stack`: evaluate it first)
      case 0x74: { const tup = Object.freeze(popMark()); stack.push(tup); break; } // TUPLE
      case 0x85: { const a = pop(); stack.push(Object.freeze([a])); break; }
      case 0x86: { const b = pop(); const a = pop(); stack.push(Object.freeze([a, b])); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(Object.freeze([a, b, c])); break; }
      case 0x91: { const s = new Set(popMark()); stack.push(s); break; } // FROZENSET
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; } // SETITEMS
      case 0x61: { const v = pop(); const l = top(); if (!Array.isArray(l) || Object.isFrozen(l)) fail('APPEND to a non-list', at); (l as unknown[]).push(v); break; }
      case 0x65: { const vs = popMark(); const l = top(); if (!Array.isArray(l) || Object.isFrozen(l)) fail('APPENDS to a non-list', at); (l as unknown[]).push(...vs); break; }
      case 0x90: { const vs = popMark(); const s = top(); if (!(s instanceof Set)) fail('ADDITEMS to a non-set', at); for (const v of vs) (s as Set<unknown>).add(v); break; }
      case 0x71: memo.set(u8(), top()); break;
      case 0x72: memo.set(u32(), top()); break;
      case 0x94: memo.set(memo.size, top()); break;
      case 0x68: case 0x6a: {
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`reads memo slot ${k}, which was never stored`, at);
        stack.push(memo.get(k));
        break;
      }
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(global(module, name, at));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings', at);
        stack.push(global(module as string, name as string, at));
        break;
      }
      case 0x52: case 0x81: { // REDUCE, NEWOBJ
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PickleGlobal)) fail(`${opcodeName(op)} on something that is not an allowed global`, at);
        if (!Array.isArray(args)) fail(`${opcodeName(op)} arguments are not a tuple`, at);
        try {
          stack.push(opts.reduce(fn as PickleGlobal, args as unknown[]));
        } catch (e) {
          if (e instanceof PickleError) throw e;
          fail(`${opcodeName(op)} of ${(fn as PickleGlobal).qualname} failed: ${(e as Error).message}`, at);
        }
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = pop();
        if (obj instanceof PickleGlobal) fail(`BUILD on the class ${obj.qualname} itself`, at);
        stack.push(opts.build ? opts.build(obj, state) : obj);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!opts.persistentLoad) fail('has a persistent id but no storage to resolve it', at);
        try {
          stack.push(opts.persistentLoad!(pid));
        } catch (e) {
          if (e instanceof PickleError) throw e;
          fail(`persistent id could not be resolved: ${(e as Error).message}`, at);
        }
        break;
      }
      default:
        fail(`opcode 0x${op.toString(16).padStart(2, '0')} (${opcodeName(op)}) is not supported`, at);
    }
  }
}
