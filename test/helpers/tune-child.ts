// A second process for tune.test.ts: tunes the given shapes against the given cache folder and prints the results
// as JSON, so the test can see whether a fresh process re-timed anything.
import { GpuDevice, tuneMatmul, type MatmulTuneShape } from '@clearclip/tensor';
import { nodeTuneStore } from '@clearclip/tensor/node';

const [dir, shapesJson] = process.argv.slice(2);
const dev = await GpuDevice.create();
const results = await tuneMatmul(dev, JSON.parse(shapesJson) as MatmulTuneShape[], { store: nodeTuneStore(dir), reps: 2 });
console.log(JSON.stringify(results.map((r) => ({ key: r.key, timed: r.timed, winner: r.entry.winner }))));
dev.destroy();
