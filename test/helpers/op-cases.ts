/**
 * Runs the `test` cases of the op case table (@clearclip/tensor/op-cases) in every dtype the case and the adapter
 * allow: upload, the op, the output shape, then every element against the float64 reference within the case's
 * tolerance, printing the worst mismatches on failure.
 */
import type { Test } from 'tap';
import type { DType } from '@clearclip/tensor';
import type { OpCase } from '@clearclip/tensor/op-cases';
import { testDevice } from './device.js';
import { assertClose } from './assert.js';

export async function checkOpCases(t: Test, cases: readonly OpCase[]): Promise<void> {
  const dev = await testDevice();
  const mine = cases.filter((c) => c.purpose === 'test');
  t.ok(mine.length > 0, `the table has test cases for ${[...new Set(cases.map((c) => c.op))].join(', ')}`);
  // Dtype outermost: all f32 cases compile and run before the f16 specialisations.
  const dtypes: DType[] = ['f32', 'f16', 'i32'];
  for (const dtype of dtypes) {
    if (dtype === 'f16' && !dev.hasF16) {
      t.comment('adapter lacks shader-f16: f16 cases skipped');
      continue;
    }
    for (const c of mine.filter((c) => c.dtypes.includes(dtype))) {
      const d = c.setup(dtype);
      await dev.scopeAsync(async () => {
        const y = d.run(d.inputs.map((x) => dev.tensor(x.data, x.shape, x.dtype)));
        t.same([y.shape, y.dtype], [d.outShape, d.outDType ?? dtype], `${c.op} ${dtype} ${c.label}: shape [${d.outShape}] ${d.outDType ?? dtype}`);
        const { expected, atol, rtol } = d.reference();
        assertClose(t, await y.read(), expected, { atol, rtol, shape: d.outShape }, `${c.op} ${dtype} ${c.label}`);
      });
    }
  }
}
