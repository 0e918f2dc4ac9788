import t from 'tap';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getFloat16 } from '@petamoriken/float16';
import { SafetensorsFile, writeSafetensors, parseHeader, type StDtype, type StTensorIn } from '@clearclip/tensor/safetensors';
import { requireShared } from '../helpers/fixtures.js';
import { rng } from '../helpers/random.js';

const dir = mkdtempSync(path.join(tmpdir(), 'clearclip-st-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const SIZE: Record<StDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1 };

/** Random raw bytes for a dtype, plus the f32 value of each element decoded independently with a DataView. */
function sample(dtype: StDtype, n: number, seed: number): { raw: Uint8Array; values: number[] } {
  const r = rng(seed);
  const raw = new Uint8Array(n * SIZE[dtype]);
  const dv = new DataView(raw.buffer);
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = r() * 2 - 1;
    const o = i * SIZE[dtype];
    switch (dtype) {
      case 'F64': dv.setFloat64(o, x * 1e3, true); values.push(Math.fround(x * 1e3)); break;
      case 'F32': dv.setFloat32(o, x, true); values.push(Math.fround(x)); break;
      // Any 16-bit pattern except NaNs (NaN != NaN would make the comparison meaningless).
      case 'F16': { const h = Math.floor(r() * 0x7c00) | (r() < 0.5 ? 0x8000 : 0); dv.setUint16(o, h, true); values.push(getFloat16(dv, o, true)); break; }
      case 'BF16': { const h = Math.floor(r() * 0x7f80) | (r() < 0.5 ? 0x8000 : 0); dv.setUint16(o, h, true); const w = new DataView(new ArrayBuffer(4)); w.setUint32(0, h * 65536, false); values.push(w.getFloat32(0, false)); break; }
      case 'I64': { const v = Math.round(x * 2 ** 31); dv.setBigInt64(o, BigInt(v), true); values.push(v); break; }
      case 'U64': { const v = Math.round(r() * 2 ** 31); dv.setBigUint64(o, BigInt(v), true); values.push(v); break; }
      case 'I32': { const v = Math.round(x * 2 ** 31) | 0; dv.setInt32(o, v, true); values.push(v); break; }
      case 'U32': { const v = Math.floor(r() * 2 ** 31); dv.setUint32(o, v, true); values.push(v); break; }
      case 'I16': { const v = Math.round(x * 32767); dv.setInt16(o, v, true); values.push(v); break; }
      case 'U16': { const v = Math.floor(r() * 65536); dv.setUint16(o, v, true); values.push(v); break; }
      case 'I8': { const v = Math.round(x * 127); dv.setInt8(o, v); values.push(v); break; }
      case 'U8': { const v = Math.floor(r() * 256); dv.setUint8(o, v); values.push(v); break; }
      case 'BOOL': { const v = r() < 0.5 ? 1 : 0; dv.setUint8(o, v); values.push(v); break; }
    }
  }
  return { raw, values };
}

const ALL: StDtype[] = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL'];
const INTS = new Set<StDtype>(['I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL']);

t.test('round trip of every dtype (array form) keeps bytes, metadata and shapes', async (t) => {
  const shapes = [[3, 5, 7], [1], [], [0, 4], [13]];
  const ins: StTensorIn[] = [];
  const expect = new Map<string, number[]>();
  ALL.forEach((dtype, k) => {
    const shape = shapes[k % shapes.length];
    const { raw, values } = sample(dtype, shape.reduce((a, b) => a * b, 1), 100 + k);
    ins.push({ name: `t.${dtype.toLowerCase()}`, dtype, shape, data: raw });
    expect.set(`t.${dtype.toLowerCase()}`, values);
  });
  const file = path.join(dir, 'all.safetensors');
  const meta = { format: 'pt', note: 'ünïcode ✓' };
  await writeSafetensors(file, ins, meta);
  t.notOk(existsSync(file + '.tmp'), 'the temporary file is renamed away');

  const bytes = readFileSync(file);
  const hlen = Number(bytes.readBigUInt64LE(0));
  t.equal((8 + hlen) % 8, 0, 'data section starts 8-byte aligned');

  const f = await SafetensorsFile.open(file);
  t.same(f.metadata, meta);
  t.same(f.names(), ins.map((x) => x.name), 'names come back in data order');
  for (const x of ins) {
    const e = f.entry(x.name);
    t.same(e.shape, x.shape, `${x.name} shape`);
    t.equal(e.dtype, x.dtype);
    t.same(await f.readRaw(x.name), x.data, `${x.name} raw bytes`);
    t.same(Array.from(await f.readFloat32(x.name)), expect.get(x.name)!.map(Math.fround), `${x.name} as f32`);
    if (INTS.has(x.dtype)) t.same(Array.from(await f.readInt32(x.name)), expect.get(x.name), `${x.name} as i32`);
    else await t.rejects(f.readInt32(x.name), /all\.safetensors.*readInt32 needs an integer dtype/);
  }
  t.throws(() => f.entry('nope'), /all\.safetensors: no tensor 'nope'/);
  t.notOk(f.has('nope'));
  await f.close();
});

t.test('typed-array values are converted to the target dtype', async (t) => {
  const v = new Float32Array([0, 1, -2.5, 65504, 1e-8, 3.14159, -0, 1 / 3]);
  const ints = new Int32Array([0, 1, -5, 127, -128, 42]);
  const file = path.join(dir, 'conv.safetensors');
  await writeSafetensors(file, [
    { name: 'h', dtype: 'F16', shape: [8], data: v },
    { name: 'b', dtype: 'BF16', shape: [8], data: v },
    { name: 'd', dtype: 'F64', shape: [2, 4], data: v },
    { name: 'i8', dtype: 'I8', shape: [6], data: ints },
    { name: 'i64', dtype: 'I64', shape: [6], data: ints },
  ]);
  const f = await SafetensorsFile.open(file);
  // Independent f16 rounding: DataView.setFloat16 from the polyfill package.
  const h = await f.readFloat32('h');
  const dv = new DataView(new ArrayBuffer(2));
  const { setFloat16 } = await import('@petamoriken/float16');
  t.same(Array.from(h), Array.from(v, (x) => (setFloat16(dv, 0, x), getFloat16(dv, 0))), 'F16 rounding');
  // bf16 = f32 with the low 16 bits rounded away (nearest even): error at most 2^-9 relative.
  const b = await f.readFloat32('b');
  v.forEach((x, i) => t.ok(Math.abs(b[i] - x) <= Math.abs(x) * 2 ** -9, `bf16 ${x} -> ${b[i]}`));
  t.same(await f.readFloat32('d'), v);
  t.same(await f.readInt32('i8'), ints);
  t.same(await f.readInt32('i64'), ints);
  await f.close();
  await t.rejects(
    writeSafetensors(path.join(dir, 'x.safetensors'), [{ name: 'q', dtype: 'I8', shape: [1], data: new Int32Array([300]) }]),
    /x\.safetensors: tensor 'q': element 0 = 300 does not fit in I8/,
  );
  await t.rejects(
    writeSafetensors(path.join(dir, 'x.safetensors'), [{ name: 'q', dtype: 'F32', shape: [1], data: new Int32Array([3]) }]),
    /tensor 'q': Int32Array data cannot be written as F32/,
  );
  await t.rejects(
    writeSafetensors(path.join(dir, 'x.safetensors'), [{ name: 'q', dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }]),
    /tensor 'q': shape \[2,2\] of F32 needs 16 bytes/,
  );
  t.notOk(existsSync(path.join(dir, 'x.safetensors.tmp')), 'a failed write leaves no temporary file');
  t.notOk(existsSync(path.join(dir, 'x.safetensors')), 'a failed write leaves no file');
});

t.test('streaming writer: header from the layout, tensors one at a time in any order', async (t) => {
  const layout = [
    { name: 'a', dtype: 'F32' as const, shape: [4, 3] },
    { name: 'b', dtype: 'I32' as const, shape: [5] },
    { name: 'c', dtype: 'F16' as const, shape: [2] },
  ];
  let live = 0;
  let maxLive = 0;
  async function* gen(): AsyncIterable<StTensorIn> {
    for (const name of ['c', 'a', 'b']) {
      live++;
      maxLive = Math.max(maxLive, live);
      const l = layout.find((x) => x.name === name)!;
      const n = l.shape.reduce((x, y) => x * y, 1);
      const data = l.dtype === 'I32' ? Int32Array.from({ length: n }, (_, i) => i * 7 - 3) : Float32Array.from({ length: n }, (_, i) => i / 4);
      yield { ...l, data };
      live--;
    }
  }
  const file = path.join(dir, 'stream.safetensors');
  await writeSafetensors(file, gen, { k: 'v' }, layout);
  t.equal(maxLive, 1, 'the generator is consumed one tensor at a time');
  const f = await SafetensorsFile.open(file);
  t.same(f.names(), ['a', 'b', 'c'], 'layout order in the file');
  t.same(Array.from(await f.readFloat32('a')), Array.from({ length: 12 }, (_, i) => i / 4));
  t.same(Array.from(await f.readInt32('b')), [-3, 4, 11, 18, 25]);
  t.same(Array.from(await f.readFloat32('c')), [0, 0.25]);
  await f.close();

  await t.rejects(writeSafetensors(file, gen, {}), /stream\.safetensors: writing from an async iterable needs a layout/);
  async function* partial(): AsyncIterable<StTensorIn> {
    yield { name: 'b', dtype: 'I32', shape: [5], data: new Int32Array(5) };
  }
  await t.rejects(writeSafetensors(file, partial, {}, layout), /stream\.safetensors: tensors in the layout were never given: a, c/);
  async function* wrongShape(): AsyncIterable<StTensorIn> {
    yield { name: 'b', dtype: 'I32', shape: [6], data: new Int32Array(6) };
  }
  await t.rejects(writeSafetensors(file, wrongShape, {}, layout), /tensor 'b': is I32 \[6\] but the layout says I32 \[5\]/);
  const again = await SafetensorsFile.open(file);
  t.same(again.names(), ['a', 'b', 'c'], 'failed writes left the earlier file intact');
  await again.close();
});

t.test('the real fixture reference.safetensors (written by Python safetensors)', async (t) => {
  const p = requireShared(t, 'fixtures', 'clip-tiny-b16', 'reference.safetensors');
  if (!p) return;
  const f = await SafetensorsFile.open(p);
  t.teardown(() => f.close());
  t.same(f.entry('tokens.ids').shape, [100, 77]);
  t.equal(f.entry('tokens.ids').dtype, 'I32');
  t.same(f.entry('seg.image_rgb').shape, [200, 300, 3]);
  t.equal(f.entry('seg.image_rgb').dtype, 'U8');
  t.same(f.entry('vision.input_448').shape, [1, 3, 448, 448]);
  t.equal(f.entry('vision.input_448').dtype, 'F32');
  const ids = await f.readInt32('tokens.ids');
  t.equal(ids.length, 7700);
  t.equal(ids[0], 49406, 'each row starts with <start_of_text> (README point 1)');
  // README: max abs of seg.image_rgb is 252 and of seg.pred is 3.
  const img = await f.readRaw('seg.image_rgb');
  t.equal(img.reduce((m, v) => Math.max(m, v), 0), 252);
  const pred = await f.readInt32('seg.pred');
  t.equal(pred.reduce((m, v) => Math.max(m, v), 0), 3);
  const x = await f.readFloat32('vision.input_224');
  const maxAbs = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  t.ok(Math.abs(maxAbs - 1.904) < 5e-4, `vision.input_224 max abs ${maxAbs} ~ 1.904 (README)`);
});

/** Build a file from a header object (or raw header text) and data bytes. */
function hostile(name: string, header: unknown, dataBytes: number, lengthOverride?: bigint): string {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const h = Buffer.from(text, 'utf8');
  const buf = Buffer.alloc(8 + h.length + dataBytes);
  buf.writeBigUInt64LE(lengthOverride ?? BigInt(h.length), 0);
  h.copy(buf, 8);
  const p = path.join(dir, name);
  writeFileSync(p, buf);
  return p;
}

t.test('hostile files are rejected with the file (and tensor) named', async (t) => {
  const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const cases: { name: string; make: () => string; re: RegExp }[] = [
    { name: 'truncated', make: () => { const p = path.join(dir, 'trunc.st'); writeFileSync(p, Buffer.alloc(5)); return p; }, re: /trunc\.st: file is 5 bytes, shorter than the 8-byte/ },
    { name: 'huge header length', make: () => hostile('huge.st', { a: ok }, 8, 1n << 40n), re: /huge\.st: header length 1099511627776 exceeds the 104857600-byte limit/ },
    { name: 'header longer than file', make: () => hostile('long.st', { a: ok }, 8, 1000n), re: /long\.st: header length 1000 exceeds the \d+ bytes after/ },
    { name: 'bad JSON', make: () => hostile('badjson.st', '{"a": {', 0), re: /badjson\.st: header is not valid JSON/ },
    { name: 'not an object', make: () => hostile('arr.st', '[1,2]', 0), re: /arr\.st: header must be a JSON object/ },
    { name: 'invalid UTF-8', make: () => { const p = hostile('utf.st', '{"a":1}', 0); const b = readFileSync(p); b[10] = 0xff; writeFileSync(p, b); return p; }, re: /utf\.st: header is not valid UTF-8/ },
    { name: 'unknown dtype', make: () => hostile('dtype.st', { w: { ...ok, dtype: 'F8' } }, 8), re: /dtype\.st: tensor 'w': unknown dtype "F8"/ },
    { name: 'negative dim', make: () => hostile('neg.st', { w: { ...ok, shape: [-2] } }, 8), re: /neg\.st: tensor 'w': shape \[-2\] must hold non-negative integers/ },
    { name: 'fractional dim', make: () => hostile('frac.st', { w: { ...ok, shape: [2.5] } }, 8), re: /frac\.st: tensor 'w': shape \[2\.5\]/ },
    { name: 'size mismatch', make: () => hostile('size.st', { w: { ...ok, shape: [3] } }, 8), re: /size\.st: tensor 'w': shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/ },
    { name: 'offsets past the data', make: () => hostile('past.st', { w: { ...ok, data_offsets: [8, 16] } }, 8), re: /past\.st: tensor 'w': data_offsets \[8, 16\] run past the data section \(8 bytes\)/ },
    { name: 'begin > end', make: () => hostile('rev.st', { w: { ...ok, data_offsets: [8, 0] } }, 8), re: /rev\.st: tensor 'w': data_offsets \[8, 0\] has begin > end/ },
    { name: 'non-integer offsets', make: () => hostile('fo.st', { w: { ...ok, data_offsets: [0.5, 8.5] } }, 9), re: /fo\.st: tensor 'w': data_offsets must be two non-negative integers/ },
    { name: 'overlapping tensors', make: () => hostile('ovl.st', { a: ok, b: { ...ok, data_offsets: [4, 12] } }, 12), re: /ovl\.st: tensor 'b' \[4, 12\] overlaps tensor 'a' \[0, 8\]/ },
    { name: 'gap between tensors', make: () => hostile('gap.st', { a: ok, b: { ...ok, data_offsets: [12, 20] } }, 20), re: /gap\.st: data bytes \[8, 12\) before tensor 'b' belong to no tensor/ },
    { name: 'trailing bytes', make: () => hostile('tail.st', { a: ok }, 12), re: /tail\.st: data bytes \[8, 12\) at the end of the file belong to no tensor/ },
    { name: 'non-string metadata', make: () => hostile('meta.st', { __metadata__: { epoch: 3 }, a: ok }, 8), re: /meta\.st: __metadata__ value for 'epoch' must be a string/ },
    { name: 'metadata not an object', make: () => hostile('meta2.st', { __metadata__: 'x', a: ok }, 8), re: /meta2\.st: __metadata__ must be an object of strings/ },
    { name: 'entry not an object', make: () => hostile('ent.st', { a: [1] }, 0), re: /ent\.st: tensor 'a': entry must be an object/ },
  ];
  for (const c of cases) {
    const p = c.make();
    await t.rejects(SafetensorsFile.open(p), c.re, c.name);
  }
  // A well-formed file built the same way opens, so the table above tests the validation, not the builder.
  const good = await SafetensorsFile.open(hostile('good.st', { __metadata__: { a: 'b' }, a: ok, z: { dtype: 'U8', shape: [0], data_offsets: [8, 8] } }, 8));
  t.same(good.names(), ['a', 'z']);
  await good.close();
  t.throws(() => parseHeader(new TextEncoder().encode('{}'), 5, 'mem.st'), /mem\.st: header of 2 bytes does not fit in a file of 5 bytes/);
});
