/**
 * The contract tests' JSON Schema validator: ajv (draft 2020-12, with ajv-formats), independent of the generator
 * and of the request validator it is compared with. Strict mode, so a keyword or format ajv does not know fails
 * compilation instead of being ignored.
 */
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

import { readJson } from './fixtures';

/** One failed assertion: where in the instance and which keyword failed. */
export interface SchemaError {
  instancePath: string;
  keyword: string;
}

/** A compiled schema: `errors(instance)` lists every failed assertion (empty = valid). */
export interface CompiledSchema {
  errors(instance: unknown): SchemaError[];
}

/** Compiles a schema object; throws on anything ajv's strict mode refuses. */
export function compileSchema(schema: object): CompiledSchema {
  // Off: two lint-like checks that refuse the cross-field `if`/`then`/`not` subschemas, which constrain an object
  // already typed by their parent (no `type` of their own, `required` on properties defined there).
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  addFormats(ajv);
  const validate: ValidateFunction = ajv.compile(schema);
  return {
    errors(instance) {
      if (validate(instance)) return [];
      // An `if` error only says that its branch failed; the branch's own errors are listed too.
      return (validate.errors ?? [])
        .filter((e) => e.keyword !== 'if')
        .map(({ instancePath, keyword }) => ({ instancePath, keyword }));
    },
  };
}

/** Compiles a committed schema file (path from the repository root). */
export function loadSchema(relativePath: string): CompiledSchema {
  return compileSchema(readJson(relativePath) as object);
}
