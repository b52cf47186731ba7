import fc from 'fast-check';

import { validateBatchRequest } from '../../../workflows/shared/batch-plan';
import { formatPath } from '../../../workflows/shared/json-path';
import { validateMigrationRequest } from '../../../workflows/shared/validate-request';
import { invalidRequestArb, validRequestArb } from './arbitraries';
import { invalidBatchArb } from './batch-arbitraries';
import { loadSchema } from './json-schema';

const requestSchema = loadSchema('schemas/migration-request.schema.json');

/** True when `field` is `target` or one of its parents (`a` for `a.b`, `a.b` for `a.b[0]`). */
function isSelfOrParent(field: string, target: string): boolean {
  return field === target || target.startsWith(`${field}.`) || target.startsWith(`${field}[`);
}

test('accepts every generated valid request, as does the schema, and its normalized form too', () => {
  fc.assert(
    fc.property(validRequestArb, (request) => {
      const result = validateMigrationRequest(request);
      if (!result.ok) throw new Error(`refused a valid request: ${JSON.stringify(result.errors)}`);
      expect(requestSchema.errors(request)).toEqual([]);
      expect(validateMigrationRequest(result.request)).toEqual(result);
    }),
    { numRuns: 200 },
  );
});

test('refuses every mutated request at the mutated place, never throws and never echoes a planted secret', () => {
  const kinds = new Map<string, number>();
  fc.assert(
    fc.property(invalidRequestArb, ({ request, mutation }) => {
      kinds.set(mutation.kind, (kinds.get(mutation.kind) ?? 0) + 1);
      // A throw here fails the property too: the validator must never throw.
      const result = validateMigrationRequest(request);
      const target = formatPath(mutation.path);
      if (result.ok) throw new Error(`accepted a request broken by ${mutation.kind} at ${target}`);
      for (const error of result.errors) expect(error.field).not.toBe('');
      expect(result.errors.some((error) => isSelfOrParent(error.field, target))).toBe(true);
      if (mutation.secret !== undefined) expect(JSON.stringify(result)).not.toContain(mutation.secret);
      expect(requestSchema.errors(request)).not.toEqual([]);
    }),
    { numRuns: 400 },
  );
  // Every kind of mutation was exercised (guards against a generator that silently stopped producing one).
  expect([...kinds.keys()].sort()).toEqual(
    [
      'bad-format',
      'forbidden-character',
      'missing-required',
      'out-of-range',
      'raw-secret',
      'too-long',
      'unknown-key',
      'wrong-type',
    ].sort(),
  );
});

test('never throws on arbitrary values', () => {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), fc.anything({ withNullPrototype: true, withObjectString: true })), (input) => {
      const result = validateMigrationRequest(input);
      expect(result.ok).toBe(false);
    }),
    { numRuns: 300 },
  );
});

test('refuses every broken batch at the broken place, never throws and never echoes a planted secret', () => {
  const kinds = new Set<string>();
  fc.assert(
    fc.property(invalidBatchArb, ({ batch, kind, field, secret }) => {
      kinds.add(kind.startsWith('item:') ? 'item' : kind);
      const result = validateBatchRequest(batch);
      if (result.ok) throw new Error(`accepted a batch broken by ${kind} at ${field}`);
      expect(result.errors.some((error) => isSelfOrParent(error.field, field))).toBe(true);
      if (secret !== undefined) expect(JSON.stringify(result)).not.toContain(secret);
    }),
    { numRuns: 400 },
  );
  expect(kinds.size).toBeGreaterThanOrEqual(10);
});
