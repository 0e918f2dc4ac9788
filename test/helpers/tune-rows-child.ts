// A second process for tune-rows.test.ts: loads the adapter's cache from the given folder, prints which row
// variant softmax/layerNorm would launch for each shape, then runs the row tuner (which should time nothing).
import { GpuDevice, loadTunedChoices, selectRowVariant, tuneRowKernels, type RowTuneShape } from '@clearclip/tensor';
import { nodeTuneStore } from '@clearclip/tensor/node';

const [dir, shapesJson] = process.argv.slice(2);
const shapes = JSON.parse(shapesJson) as RowTuneShape[];
const dev = await GpuDevice.create();
const store = nodeTuneStore(dir);
const loaded = await loadTunedChoices(dev, store);
const selected = shapes.map((s) => selectRowVariant(dev, s.op, s.dtype ?? 'f32', s.cols));
const results = await tuneRowKernels(dev, shapes, { store, reps: 2 });
console.log(JSON.stringify({ loaded, selected, results: results.map((r) => ({ key: r.key, timed: r.timed, winner: r.entry.winner })) }));
dev.destroy();
