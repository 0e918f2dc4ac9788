import t from 'tap';
import path from 'node:path';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { SafetensorsFile } from '@clearclip/tensor/safetensors';
import { convertCheckpoint } from '@clearclip/weights-tools';
import { runtimeView } from 'clearclip/browser';
import { requireShared } from '../helpers/fixtures.js';

// The page converts a checkpoint in memory (runtimeView) instead of writing a runtime file; both must give the same
// tensors, byte for byte, in f32 and in f16 (the page's f16 path cannot run on SwiftShader, which lacks shader-f16).
for (const dtype of ['f32', 'f16'] as const) {
  t.test(`runtimeView equals weights-tools convert (${dtype})`, async (t) => {
    const fixture = requireShared(t, 'fixtures/clip-tiny-b16');
    if (!fixture) return;
    const dir = await mkdtemp(path.join(tmpdir(), 'clearclip-view-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const input = path.join(fixture, 'open_clip_model.safetensors');
    const out = path.join(dir, `tiny-${dtype}.safetensors`);
    await convertCheckpoint({ input, output: out, dtype });
    const file = await SafetensorsFile.open(out);
    t.teardown(() => file.close());
    const configText = await readFile(path.join(fixture, 'open_clip_config.json'), 'utf8');
    const view = runtimeView(new Uint8Array(await readFile(input)), configText, dtype, 'tiny');
    t.same(view.names().sort(), file.names().sort(), 'the same tensors (attn_mask dropped)');
    t.equal(view.metadata.format, file.metadata.format, 'runtime format');
    t.equal(view.metadata.open_clip_config, file.metadata.open_clip_config, 'the config text');
    let differ = 0;
    for (const name of file.names()) {
      const a = view.entry(name);
      const b = file.entry(name);
      if (a.dtype !== b.dtype || JSON.stringify(a.shape) !== JSON.stringify(b.shape)) {
        t.fail(`${name}: view ${a.dtype} [${a.shape}] vs file ${b.dtype} [${b.shape}]`);
        continue;
      }
      if (Buffer.compare(Buffer.from(await view.readRaw(name)), Buffer.from(await file.readRaw(name))) !== 0) differ++;
    }
    t.equal(differ, 0, `every tensor's bytes match (${file.names().length} tensors)`);
  });
}
