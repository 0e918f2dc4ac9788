// Issue 14: seeded fuzzing of the checkpoint readers. Every mutated safetensors file and torch zip/pickle must end
// in a named error (our error classes, naming the file) or a correct result (every tensor reads at its size);
// never a raw RangeError/TypeError, a hang or unbounded memory. Bounded: fixed case counts, small files.
import t, { type Test } from 'tap';
import path from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { openCheckpoint } from '@clearclip/weights-tools';
import { ST_DTYPE_SIZE } from '@clearclip/tensor/safetensors';
import { torchCheckpointBytes } from '../helpers/torch-checkpoint-writer.js';
import { rng } from '../helpers/random.js';

const CASES = 1500;
const NAMED = new Set(['SafetensorsError', 'ZipError', 'PickleError', 'CheckpointError']);

function safetensorsBytes(): Uint8Array {
  const specs = [
    { name: 'visual.proj', dtype: 'F32', shape: [2, 3] },
    { name: 'visual.ln.weight', dtype: 'F16', shape: [4] },
    { name: 'logit_scale', dtype: 'F32', shape: [] as number[] },
  ];
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let off = 0;
  for (const s of specs) {
    const bytes = s.shape.reduce((a, b) => a * b, 1) * ST_DTYPE_SIZE[s.dtype as 'F32'];
    header[s.name] = { dtype: s.dtype, shape: s.shape, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  const hb = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hb.length));
  const data = Buffer.alloc(off);
  for (let i = 0; i < off; i++) data[i] = (i * 37) & 0xff;
  return Buffer.concat([len, hb, data]);
}

function torchBytes(deflate: boolean): Uint8Array {
  const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
  return torchCheckpointBytes(
    [
      { name: 'visual.proj', dtype: 'F32', shape: [2, 2], storage: f32(1, 2, 3, 4) },
      { name: 'visual.t', dtype: 'F32', shape: [3, 2], stride: [1, 3], storage: f32(1, 2, 3, 4, 5, 6), parameter: true },
      { name: 'ids', dtype: 'I64', shape: [2], storage: new Uint8Array(16) },
    ],
    { deflate },
  );
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 0xfffffffe];

/** One seeded mutation: byte flips, interesting 16/32-bit values, truncation, insertion or deletion. */
function mutate(src: Uint8Array, r: () => number): Uint8Array {
  let b = Buffer.from(src);
  const kinds = 1 + Math.floor(r() * 3);
  for (let k = 0; k < kinds; k++) {
    const at = Math.floor(r() * b.length);
    switch (Math.floor(r() * 6)) {
      case 0:
        b[at] ^= 1 << Math.floor(r() * 8);
        break;
      case 1:
        b[at] = Math.floor(r() * 256);
        break;
      case 2: {
        const v = INTERESTING[Math.floor(r() * INTERESTING.length)];
        if (at + 4 <= b.length) b.writeUInt32LE(v >>> 0, at);
        else if (at + 2 <= b.length) b.writeUInt16LE(v & 0xffff, at);
        break;
      }
      case 3:
        b = b.subarray(0, at);
        break;
      case 4:
        b = Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(r() * 256)]), b.subarray(at)]);
        break;
      default:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + Math.floor(r() * 8))]);
    }
    if (b.length === 0) break;
  }
  return b;
}

type Outcome = 'ok' | 'named';

async function check(file: string): Promise<Outcome> {
  try {
    const src = await openCheckpoint(file);
    try {
      for (const x of src.tensors) {
        const data = await src.read(x.name);
        const want = x.shape.reduce((a, b) => a * b, 1) * ST_DTYPE_SIZE[x.dtype];
        if (data.length !== want) throw new Error(`UNNAMED: ${x.name} read ${data.length} bytes, expected ${want}`);
      }
    } finally {
      await src.close();
    }
    return 'ok';
  } catch (e) {
    const err = e as Error;
    if (NAMED.has(err.name) && err.message.includes(path.basename(file))) return 'named';
    throw new Error(`${err.name}: ${err.message}`);
  }
}

async function fuzz(t: Test, label: string, bases: Uint8Array[], seed: number, file: string): Promise<void> {
  const r = rng(seed);
  const counts = { ok: 0, named: 0 };
  const failures: string[] = [];
  for (let i = 0; i < CASES; i++) {
    const base = bases[i % bases.length];
    await writeFile(file, mutate(base, r));
    try {
      counts[await check(file)]++;
    } catch (e) {
      if (failures.length < 5) failures.push(`case ${i} (seed ${seed}): ${(e as Error).message}`);
    }
  }
  t.same(failures, [], `${label}: every case named or correct`);
  t.equal(counts.ok + counts.named, CASES, `${label}: ${CASES} cases, ${counts.ok} read correctly, ${counts.named} named errors`);
}

t.test('fuzz: mutated safetensors and torch zip/pickle checkpoints', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'wt-fuzz-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const t0 = performance.now();
  await fuzz(t, 'safetensors', [safetensorsBytes()], 1401, path.join(dir, 'case.safetensors'));
  await fuzz(t, 'torch zip', [torchBytes(false), torchBytes(true)], 1402, path.join(dir, 'case.pt'));
  const s = (performance.now() - t0) / 1000;
  t.ok(s < 120, `${2 * CASES} cases in ${s.toFixed(1)} s`);
});
