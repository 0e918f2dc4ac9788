import t, { type Test } from 'tap';
import path from 'node:path';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { openCheckpoint, unpickle } from '@clearclip/weights-tools';
import { PickleWriter, statePickle, torchCheckpointBytes, torchZipWithPickle } from '../helpers/torch-checkpoint-writer.js';

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

async function tmp(t: Test): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'wt-pickle-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

const tiny = [{ name: 'visual.proj', dtype: 'F32' as const, shape: [2, 2], storage: new Uint8Array(Float32Array.of(1, 2, 3, 4).buffer) }];

t.test('a torch.save-style state_dict reads back (keys, dtypes, shapes, data)', async (t) => {
  const dir = await tmp(t);
  const f = path.join(dir, 'ok.pt');
  await writeFile(f, torchCheckpointBytes(tiny));
  const src = await openCheckpoint(f);
  t.equal(src.format, 'torch-zip');
  t.same(src.tensors, [{ name: 'visual.proj', dtype: 'F32', shape: [2, 2] }]);
  t.same(Array.from(new Float32Array(Uint8Array.from(await src.read('visual.proj')).buffer)), [1, 2, 3, 4]);
  await src.close();
});

t.test('hostile or broken pickles fail with the file and the global/opcode named', async (t) => {
  const dir = await tmp(t);
  const cases: { name: string; pickle: Uint8Array; error: RegExp }[] = [
    {
      // The classic: os.system("...") via GLOBAL + REDUCE.
      name: 'os-system.pt',
      pickle: Uint8Array.from([0x80, 2, 0x63, ...ascii('os\nsystem\n'), 0x58, 5, 0, 0, 0, ...ascii('touch'), 0x85, 0x52, 0x2e]),
      error: /os-system\.pt:archive\/data\.pkl: pickle references global 'os\.system', which is not on the allow-list/,
    },
    {
      // STACK_GLOBAL (protocol 4) spelling of builtins.eval.
      name: 'eval.pt',
      pickle: Uint8Array.from([0x80, 4, 0x8c, 8, ...ascii('builtins'), 0x8c, 4, ...ascii('eval'), 0x93, 0x8c, 1, ...ascii('1'), 0x85, 0x52, 0x2e]),
      error: /eval\.pt:archive\/data\.pkl: pickle references global 'builtins\.eval'/,
    },
    {
      // An allowed module with a name that is not: torch.load is not torch.FloatStorage.
      name: 'torch-load.pt',
      pickle: Uint8Array.from([0x80, 2, 0x63, ...ascii('torch\nload\n'), 0x2e]),
      error: /torch-load\.pt:archive\/data\.pkl: pickle references global 'torch\.load'/,
    },
    {
      name: 'unknown-opcode.pt',
      pickle: Uint8Array.from([0x80, 2, 0x7d, 0xff, 0x2e]),
      error: /unknown-opcode\.pt:archive\/data\.pkl: pickle opcode 0xff \(unknown\) is not supported \(at byte 3\)/,
    },
    {
      // INST builds an object by calling a class: refused even though it is a real opcode.
      name: 'inst.pt',
      pickle: Uint8Array.from([0x80, 2, 0x28, 0x69, ...ascii('os\nsystem\n'), 0x2e]),
      error: /inst\.pt:archive\/data\.pkl: pickle opcode 0x69 \(INST\) is not supported/,
    },
    {
      name: 'truncated.pt',
      pickle: statePickle(tiny).subarray(0, 60),
      error: /truncated\.pt:archive\/data\.pkl: pickle is truncated/,
    },
    {
      name: 'no-stop.pt',
      pickle: Uint8Array.from([0x80, 2, 0x7d]),
      error: /no-stop\.pt:archive\/data\.pkl: pickle is truncated: ended without STOP/,
    },
    {
      name: 'protocol6.pt',
      pickle: Uint8Array.from([0x80, 6, 0x7d, 0x2e]),
      error: /protocol6\.pt:archive\/data\.pkl: pickle uses protocol 6/,
    },
    {
      // A REDUCE whose callable is not a global at all.
      name: 'reduce-data.pt',
      pickle: Uint8Array.from([0x80, 2, 0x7d, 0x29, 0x52, 0x2e]),
      error: /reduce-data\.pt:archive\/data\.pkl: pickle REDUCE on something that is not an allowed global/,
    },
  ];
  for (const c of cases) {
    const f = path.join(dir, c.name);
    await writeFile(f, torchZipWithPickle(c.pickle));
    await t.rejects(openCheckpoint(f), c.error, c.name);
  }
});

t.test('broken archives fail clearly', async (t) => {
  const dir = await tmp(t);
  const whole = torchCheckpointBytes(tiny);
  const cut = path.join(dir, 'cut.pt');
  await writeFile(cut, whole.subarray(0, whole.length - 30));
  await t.rejects(openCheckpoint(cut), /cut\.pt: not a zip file or truncated/);

  // A persistent id naming a storage that the zip lacks.
  const missing = path.join(dir, 'missing-storage.pt');
  await writeFile(missing, torchZipWithPickle(statePickle(tiny), []));
  await t.rejects(openCheckpoint(missing), /missing-storage\.pt:archive\/data\.pkl: pickle persistent id could not be resolved: storage '0' has no entry archive\/data\/0/);

  // A view that runs past its storage.
  const past = path.join(dir, 'past.pt');
  await writeFile(past, torchCheckpointBytes([{ ...tiny[0], shape: [3, 2] }]));
  await t.rejects(openCheckpoint(past), /past\.pt:archive\/data\.pkl: pickle REDUCE of torch\._utils\._rebuild_tensor_v2 failed: view .* runs past storage '0' of 4 elements/);

  // A top-level list is not a state_dict.
  const list = path.join(dir, 'list.pt');
  await writeFile(list, torchZipWithPickle(Uint8Array.from([0x80, 2, 0x5d, 0x2e])));
  await t.rejects(openCheckpoint(list), /list\.pt: checkpoint holds a list\/tuple, not a dict of tensors/);
});

t.test('memo, BUILD and protocol-4 framing are handled', async (t) => {
  // FRAME + MEMOIZE + BINGET: {'a': [1, 2], 'b': <same list>}
  const w = new PickleWriter();
  w.byte(0x80, 4, 0x95, 10, 0, 0, 0, 0, 0, 0, 0, 0x7d, 0x94, 0x28, 0x8c, 1, 0x61, 0x94, 0x5d, 0x94, 0x28, 0x4b, 1, 0x4b, 2, 0x65, 0x8c, 1, 0x62, 0x94, 0x68, 2, 0x75, 0x2e);
  const v = unpickle(w.bytes(), { source: 'mem', allowGlobal: () => false, reduce: () => null }) as Map<string, unknown>;
  t.same(v.get('a'), [1, 2]);
  t.equal(v.get('b'), v.get('a'), 'BINGET returns the memoised object itself');
});
