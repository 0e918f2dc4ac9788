// Issue 14 items 3, 4 and the checkpoint messages of 14: zip bombs, expansion views, legacy files, huge tensor
// counts and corrupt central directories end in named errors, with bounded memory.
import t, { type Test } from 'tap';
import path from 'node:path';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { deflateRawSync } from 'node:zlib';
import { formatReport, inspectFile, openCheckpoint } from '@clearclip/weights-tools';
import { statePickle, torchCheckpointBytes, zipBytes, type TorchTensorSpec } from '../helpers/torch-checkpoint-writer.js';

async function tmp(t: Test): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'wt-hostile-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

/** Offset of the central-directory record of `name` in a zip made by zipBytes. */
function cdRecord(zip: Uint8Array, name: string): number {
  const dv = new DataView(zip.buffer, zip.byteOffset);
  const enc = new TextEncoder().encode(name);
  for (let i = zip.length - 46; i >= 0; i--) {
    if (dv.getUint32(i, true) !== 0x02014b50 || dv.getUint16(i + 28, true) !== enc.length) continue;
    if (enc.every((b, k) => zip[i + 46 + k] === b)) return i;
  }
  throw new Error(`no central record for ${name}`);
}

async function readAll(file: string): Promise<number> {
  const src = await openCheckpoint(file);
  try {
    let n = 0;
    for (const x of src.tensors) n += (await src.read(x.name)).length;
    return n;
  } finally {
    await src.close();
  }
}

t.test('3: a deflate bomb stops at its declared size; an impossible declared size is refused up front', async (t) => {
  const dir = await tmp(t);
  const tensors: TorchTensorSpec[] = [{ name: 'visual.proj', dtype: 'F32', shape: [2], storage: f32(1, 2) }];
  const pkl = statePickle(tensors);
  // data.pkl's deflate stream really holds 64 MB (the pickle then zeros) but declares only the pickle's length.
  const zip = zipBytes([{ name: 'archive/data.pkl', data: pkl }, { name: 'archive/data/0', data: tensors[0].storage }], true);
  const bomb = new Uint8Array(deflateRawSync(Buffer.concat([pkl, Buffer.alloc(64 << 20)])));
  const rebuilt = zipBytes([{ name: 'archive/data.pkl', data: bomb }, { name: 'archive/data/0', data: tensors[0].storage }], false);
  // Stored entry -> claim it is deflate of the pickle's size (local and central records).
  const dv = new DataView(rebuilt.buffer);
  const c = cdRecord(rebuilt, 'archive/data.pkl');
  dv.setUint16(c + 10, 8, true);
  dv.setUint32(c + 24, pkl.length, true);
  dv.setUint16(8, 8, true);
  dv.setUint32(22, pkl.length, true);
  const f1 = path.join(dir, 'bomb.pt');
  await writeFile(f1, rebuilt);
  const rss0 = process.memoryUsage().rss;
  await t.rejects(openCheckpoint(f1), { name: 'ZipError', message: /bomb\.pt: entry 'archive\/data\.pkl' inflates to more than its declared \d+ bytes/ });
  t.ok(process.memoryUsage().rss - rss0 < 48 << 20, 'inflating stopped early (no 64 MB output)');

  // A declared size beyond deflate's best ratio.
  const zip2 = zip.slice();
  const c2 = cdRecord(zip2, 'archive/data/0');
  new DataView(zip2.buffer).setUint32(c2 + 24, 0xfffffff0, true);
  const f2 = path.join(dir, 'ratio.pt');
  await writeFile(f2, zip2);
  await t.rejects(openCheckpoint(f2), { name: 'ZipError', message: /ratio\.pt: entry 'archive\/data\/0' declares 4294967280 bytes from \d+ compressed/ });

  // Central and local records that disagree about the size.
  const zip4 = torchCheckpointBytes(tensors).slice();
  const c4 = cdRecord(zip4, 'archive/byteorder');
  const dv4 = new DataView(zip4.buffer);
  dv4.setUint32(c4 + 20, dv4.getUint32(c4 + 20, true) - 1, true);
  dv4.setUint32(c4 + 24, dv4.getUint32(c4 + 24, true) - 1, true);
  const f4 = path.join(dir, 'disagree.pt');
  await writeFile(f4, zip4);
  await t.rejects(openCheckpoint(f4), { name: 'ZipError', message: /disagree\.pt: entry 'archive\/byteorder': local header \(method 0, 6\/6 bytes\) disagrees with the central directory \(method 0, 5\/5 bytes\)/ });

  // A stored entry whose declared size runs past the entries.
  const zip3 = torchCheckpointBytes(tensors).slice();
  const c3 = cdRecord(zip3, 'archive/data/0');
  new DataView(zip3.buffer).setUint32(c3 + 20, 1 << 30, true);
  new DataView(zip3.buffer).setUint32(c3 + 24, 1 << 30, true);
  const f3 = path.join(dir, 'past.pt');
  await writeFile(f3, zip3);
  await t.rejects(openCheckpoint(f3), { name: 'ZipError', message: /past\.pt: entry 'archive\/data\/0' declares 1073741824 bytes/ });
});

t.test('4: stride-0 and overlapping views are refused; contiguous and transposed views still read', async (t) => {
  const dir = await tmp(t);
  const exp = path.join(dir, 'expand.pt');
  await writeFile(exp, torchCheckpointBytes([{ name: 'visual.proj', dtype: 'F32', shape: [4096, 4096], stride: [0, 0], storage: f32(7) }]));
  await t.rejects(readAll(exp), { name: 'CheckpointError', message: /expand\.pt: tensor 'visual\.proj' is a view of 16777216 elements over storage '0' of 1 \(stride \[0,0\]/ });
  const ovl = path.join(dir, 'overlap.pt');
  await writeFile(ovl, torchCheckpointBytes([{ name: 'w', dtype: 'F32', shape: [100, 100], stride: [1, 1], storage: new Uint8Array(4 * 199) }]));
  await t.rejects(readAll(ovl), { name: 'CheckpointError', message: /overlap\.pt: tensor 'w' is a view of 10000 elements/ });

  const tr = path.join(dir, 'transposed.pt');
  await writeFile(tr, torchCheckpointBytes([{ name: 'w', dtype: 'F32', shape: [3, 2], stride: [1, 3], storage: f32(1, 2, 3, 4, 5, 6) }]));
  const src = await openCheckpoint(tr);
  t.same([...new Float32Array((await src.read('w')).slice().buffer)], [1, 4, 2, 5, 3, 6], 'transposed view gathered');
  await src.close();

  // Many honest views of one storage: each is fine, together they pass the stated multiple of the file size.
  const big = new Uint8Array(1 << 20);
  const many = path.join(dir, 'many.pt');
  const views = Array.from({ length: 12 }, (_, i) => ({ name: `v${i}`, dtype: 'F32' as const, shape: [1 << 18], storage: big }));
  // Same storage key for all: build the pickle by hand through the writer (storage i -> key i), then alias.
  await writeFile(many, torchCheckpointBytes(views.slice(0, 1)));
  t.equal(await readAll(many), 1 << 20, 'one view reads');
  const sharedPkl = new TextDecoder('latin1').decode(statePickle(views)).replace(/X\x01\x00\x00\x00\dq|X\x02\x00\x00\x00\d\dq/g, 'X\x01\x00\x00\x000q');
  const aliased = zipBytes([{ name: 'archive/data.pkl', data: Uint8Array.from(sharedPkl, (ch) => ch.charCodeAt(0)) }, { name: 'archive/data/0', data: big }]);
  const al = path.join(dir, 'aliased.pt');
  await writeFile(al, aliased);
  await t.rejects(readAll(al), { name: 'CheckpointError', message: /aliased\.pt: tensor 'v\d+' takes the data read past 8x the file's size/ });
});

t.test('14: legacy torch files, directories, 200k tensors and corrupt central directories get named errors', async (t) => {
  const dir = await tmp(t);
  const legacy = path.join(dir, 'old.pt');
  await writeFile(legacy, Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]));
  await t.rejects(openCheckpoint(legacy), { name: 'CheckpointError', message: /old\.pt: a legacy \(pre-1\.6, non-zip\) PyTorch checkpoint/ });
  const sub = path.join(dir, 'folder.pt');
  await mkdir(sub);
  await t.rejects(openCheckpoint(sub), { name: 'CheckpointError', message: /folder\.pt: is a directory/ });
  await t.rejects(inspectFile(sub), /folder\.pt: is a directory/);

  // 200k tensors (all empty) in one safetensors file.
  const n = 200_000;
  const header: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) header[`t${i}`] = { dtype: 'F32', shape: [0], data_offsets: [0, 0] };
  const hb = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hb.length));
  const many = path.join(dir, 'many.safetensors');
  await writeFile(many, Buffer.concat([len, hb]));
  const report = formatReport(await inspectFile(many));
  t.match(report, /tensors:    200000/);

  // A name length pointing past the central directory (used to be a raw RangeError).
  const zip = torchCheckpointBytes([{ name: 'a', dtype: 'F32', shape: [1], storage: f32(1) }]).slice();
  const c = cdRecord(zip, 'archive/version');
  new DataView(zip.buffer).setUint16(c + 30, 0xfff0, true); // extra length
  const bad = path.join(dir, 'cd.pt');
  await writeFile(bad, zip);
  await t.rejects(openCheckpoint(bad), { name: 'ZipError', message: /cd\.pt: corrupt central directory at entry 3/ });
});
