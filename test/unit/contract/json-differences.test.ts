/** The field paths `migrate --id` names when another request is already started under the id. */
import { jsonDifferences } from '../../../client/migration-client';

test('equal values have no differences', () => {
  expect(jsonDifferences({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toEqual([]);
});

test('differences are named by path, values never', () => {
  const diff = jsonDifferences(
    { task_type: 'object', dst_node: { bucket: 'b', save_prefix: 'p/' }, keys: ['a', 'b'] },
    { task_type: 'prefix', dst_node: { bucket: 'b' }, keys: ['a', 'c'], extra: true },
  );
  expect(diff).toEqual(['dst_node.save_prefix', 'extra', 'keys[1]', 'task_type']);
});

test('arrays of another length differ as a whole', () => {
  expect(jsonDifferences({ k: [1, 2] }, { k: [1] })).toEqual(['k']);
});
