import t from 'tap';
import { gatherRows } from '@clearclip/tensor';
import { testDevice } from '../helpers/device.js';
import { checkOpCases } from '../helpers/op-cases.js';
import { gatherRowsCases } from '@clearclip/tensor/op-cases';

t.test('gatherRows copies the indexed rows exactly (a copy: zero tolerance in both dtypes; the op case table)', (t) => checkOpCases(t, gatherRowsCases));

t.test('an index outside the table is an error naming it and its position', async (t) => {
  const dev = await testDevice();
  const table = dev.tensor(new Float32Array(6), [3, 2]);
  t.throws(() => gatherRows(table, [0, 3], 'token_embedding'), /token_embedding: index 3 at position 1 is outside \[0, 3\)/);
  t.throws(() => gatherRows(table, [-1]), /index -1/);
});
