// The tuner's choices follow the adapter: the same small shapes tuned on lavapipe and on SwiftShader give different
// candidate sets, for reasons stated here and checked against each device's features, not against timings (which
// a shared CPU makes noisy):
//   - f16 storage: lavapipe has shader-f16, SwiftShader has not. On lavapipe the f16 shape gets an entry whose
//     candidates ran in f16; on SwiftShader no f16 candidate exists, so the tuner makes no f16 entry at all.
//   - subgroups: both adapters have the feature (8- and 4-wide subgroups) and both workgroup sizes of the subgroup
//     variants are whole subgroups on both, so both offer them; a device opened without the feature (subgroups:
//     false, what an adapter without it gives) lists them as unsupported and never picks them.
// Each adapter keeps its own cache file (the fingerprint names the driver).
import t from 'tap';
import { existsSync } from 'node:fs';
import {
  adapterFingerprint, GpuDevice, memoryTuneStore, swiftShaderIcd, tuneMatmul, type MatmulTuneShape, type TuneResult,
} from '@clearclip/tensor';

const SHAPES: MatmulTuneShape[] = [
  { M: 9, N: 12, K: 8, dtype: 'f32', label: 'f32' },
  { M: 9, N: 12, K: 8, dtype: 'f16', label: 'f16' },
];
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const icd = swiftShaderIcd();

const supported = (r: TuneResult) => r.entry.candidates.filter((c) => c.note !== 'unsupported on this device').map((c) => c.variant).sort();
const isSubgroup = (name: string) => name.startsWith('subgroup');

if (!existsSync(icd)) {
  if (inCI) t.fail(`SwiftShader ICD missing at ${icd}: CI installs chromium for it`);
  else t.plan(0, `SwiftShader not installed (no ${icd})`);
} else {
  t.test('the same shapes tuned on lavapipe and SwiftShader: the candidate sets differ where the features do', async (t) => {
    // lavapipe first: choosing SwiftShader points the Vulkan loader at it for every later Dawn instance.
    const lp = await GpuDevice.create({ adapter: 'default' });
    const lpNoSg = await GpuDevice.create({ adapter: 'default', subgroups: false });
    const ss = await GpuDevice.create({ adapter: 'swiftshader' });
    t.teardown(() => [lp, lpNoSg, ss].forEach((d) => d.destroy()));
    t.comment(`A: ${lp.describe()}`);
    t.comment(`B: ${ss.describe()}`);
    t.not(adapterFingerprint(lp), adapterFingerprint(ss), 'two adapters, two cache files');
    t.ok(lp.hasF16 && !ss.hasF16, 'lavapipe has shader-f16, SwiftShader has not');
    t.ok(lp.hasSubgroups && ss.hasSubgroups && !lpNoSg.hasSubgroups, 'both have subgroups; the third device was opened without');

    const opts = { store: memoryTuneStore(), reps: 1, budgetMs: 60_000 };
    const onLp = await tuneMatmul(lp, SHAPES, opts);
    const onSs = await tuneMatmul(ss, SHAPES, { ...opts, store: memoryTuneStore() });
    const onNoSg = await tuneMatmul(lpNoSg, SHAPES.slice(0, 1), { ...opts, store: memoryTuneStore() });
    for (const [name, rs] of [['lavapipe', onLp], ['SwiftShader', onSs], ['lavapipe without subgroups', onNoSg]] as const) {
      for (const r of rs) t.comment(`${name} ${r.shape}: winner ${r.entry.winner}; ${r.entry.candidates.map((c) => `${c.variant} ${c.ms?.toFixed(3) ?? c.note}`).join(', ')}`);
    }

    // f16: only where shader-f16 is.
    t.same(onLp.map((r) => r.label), ['f32', 'f16'], 'lavapipe tunes the f32 and the f16 shape');
    t.same(onSs.map((r) => r.label), ['f32'], 'SwiftShader has no f16 candidates, so no f16 entry');
    const lpF16 = onLp[1];
    t.ok(lpF16.key.includes('/f16/') && lpF16.entry.candidates.filter((c) => c.ok && c.ms !== null).length >= 2, `lavapipe timed f16 candidates: ${lpF16.key}`);
    t.not(new Set(onLp.map((r) => r.key)).size, new Set(onSs.map((r) => r.key)).size, 'so the two caches hold different keys');

    // subgroups: offered on both (whole subgroups of 8 and of 4), absent without the feature.
    const lpF32 = supported(onLp[0]);
    const ssF32 = supported(onSs[0]);
    t.ok(lpF32.some(isSubgroup) && ssF32.some(isSubgroup), `subgroup variants are candidates on both: ${lpF32.filter(isSubgroup).join(', ')}`);
    const noSg = supported(onNoSg[0]);
    t.notOk(noSg.some(isSubgroup), `without the subgroups feature they are not candidates (${noSg.join(', ')})`);
    t.notOk(isSubgroup(onNoSg[0].entry.winner), 'and cannot win');
    t.same(lpF32.filter((v) => !isSubgroup(v)), noSg, 'everything else stays a candidate');
  });
}
