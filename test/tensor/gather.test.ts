import t from 'tap';
import { gatherRows, roundToF16 } from '@clearclip/tensor';
import * as reference from '@clearclip/tensor/reference';
import { testDevice, floatDtypes } from '../helpers/device.js';
import { uniform, rng } from '../helpers/random.js';
import { assertClose } from '../helpers/assert.js';

t.test('gatherRows copies the indexed rows exactly (a copy: zero tolerance in both dtypes)', async (t) => {
  const dev = await testDevice();
  for (const dtype of await floatDtypes()) {
    for (const [rows, width, n] of [[1, 1, 1], [49408 / 16, 37, 77 * 3], [5, 300, 2]]) {
      let table = uniform(rows * width, rows + width, -3, 3);
      if (dtype === 'f16') table = roundToF16(table);
      const r = rng(n);
      const idx = Array.from({ length: n }, (_, i) => (i === 0 ? rows - 1 : Math.floor(r() * rows)));
      const out = await gatherRows(dev.tensor(table, [rows, width], dtype), idx).read();
      assertClose(t, out, reference.gatherRowsRef(table, width, idx), { atol: 0, shape: [n, width] }, `${dtype} ${rows}x${width} <- ${n} rows`);
    }
  }
});

t.test('an index outside the table is an error naming it and its position', async (t) => {
  const dev = await testDevice();
  const table = dev.tensor(new Float32Array(6), [3, 2]);
  t.throws(() => gatherRows(table, [0, 3], 'token_embedding'), /token_embedding: index 3 at position 1 is outside \[0, 3\)/);
  t.throws(() => gatherRows(table, [-1]), /index -1/);
});
