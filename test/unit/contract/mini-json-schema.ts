/**
 * A deliberately small JSON Schema (draft 2020-12) evaluator for the contract tests, so the schemas in `schemas/`
 * can be checked against the validator without adding a dependency. It supports exactly the keywords the
 * generator emits and throws on any other keyword, so a schema change it cannot judge fails the tests loudly
 * instead of passing silently. Semantics follow the specification: lengths count code points, `pattern` is an
 * unanchored ECMAScript regex with the `u` flag, `if` without `then`/`else` is a no-op, annotations are ignored.
 */

/** A schema as loaded from JSON. */
export type Schema = boolean | { [keyword: string]: unknown };

/** One failed assertion: where in the instance and which keyword failed. */
export interface SchemaError {
  instancePath: string;
  keyword: string;
}

const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'default', 'examples', 'format']);
const ASSERTIONS = new Set([
  'type',
  'enum',
  'const',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'properties',
  'required',
  'additionalProperties',
  'allOf',
  'if',
  'then',
  'else',
  'not',
]);

/** Returns every error of `instance` against `schema` (empty = valid). */
export function evaluate(schema: Schema, instance: unknown, instancePath = ''): SchemaError[] {
  if (schema === true) return [];
  if (schema === false) return [{ instancePath, keyword: 'false' }];
  const errors: SchemaError[] = [];
  const fail = (keyword: string, at = instancePath): void => {
    errors.push({ instancePath: at, keyword });
  };
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword)) {
      throw new Error(`mini-json-schema: unsupported keyword "${keyword}" at ${instancePath || '/'}`);
    }
  }
  const s = schema as Record<string, unknown>;

  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((type) => hasType(instance, type))) fail('type');
  }
  if (s.enum !== undefined && !(s.enum as unknown[]).some((value) => deepEqual(value, instance))) fail('enum');
  if (s.const !== undefined && !deepEqual(s.const, instance)) fail('const');

  if (typeof instance === 'string') {
    const length = [...instance].length;
    if (typeof s.minLength === 'number' && length < s.minLength) fail('minLength');
    if (typeof s.maxLength === 'number' && length > s.maxLength) fail('maxLength');
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(instance)) fail('pattern');
  }
  if (typeof instance === 'number') {
    if (typeof s.minimum === 'number' && instance < s.minimum) fail('minimum');
    if (typeof s.maximum === 'number' && instance > s.maximum) fail('maximum');
  }
  if (Array.isArray(instance)) {
    if (s.items !== undefined) {
      instance.forEach((item, i) => errors.push(...evaluate(s.items as Schema, item, `${instancePath}/${i}`)));
    }
    if (typeof s.minItems === 'number' && instance.length < s.minItems) fail('minItems');
    if (typeof s.maxItems === 'number' && instance.length > s.maxItems) fail('maxItems');
    if (s.uniqueItems === true && instance.some((a, i) => instance.some((b, j) => j > i && deepEqual(a, b)))) {
      fail('uniqueItems');
    }
  }
  if (isObject(instance)) {
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    for (const [key, value] of Object.entries(instance)) {
      const child = `${instancePath}/${key}`;
      if (Object.hasOwn(properties, key)) errors.push(...evaluate(properties[key]!, value, child));
      else if (s.additionalProperties !== undefined) {
        errors.push(...evaluate(s.additionalProperties as Schema, value, child));
      }
    }
    for (const key of (s.required ?? []) as string[]) {
      if (!Object.hasOwn(instance, key)) fail('required', `${instancePath}/${key}`);
    }
  }
  for (const sub of (s.allOf ?? []) as Schema[]) errors.push(...evaluate(sub, instance, instancePath));
  if (s.if !== undefined) {
    const branch = evaluate(s.if as Schema, instance, instancePath).length === 0 ? s.then : s.else;
    if (branch !== undefined) errors.push(...evaluate(branch as Schema, instance, instancePath));
  }
  if (s.not !== undefined && evaluate(s.not as Schema, instance, instancePath).length === 0) fail('not');
  return errors;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      throw new Error(`mini-json-schema: unsupported type "${type}"`);
  }
}

/** JSON equality (key order ignored), as `enum`, `const` and `uniqueItems` define it. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Throws if any (sub)schema anywhere in `schema` uses a keyword {@link evaluate} does not implement. */
export function assertSupportedKeywords(schema: Schema, at = '#'): void {
  if (typeof schema === 'boolean') return;
  for (const [keyword, value] of Object.entries(schema)) {
    if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword)) {
      throw new Error(`mini-json-schema: unsupported keyword "${keyword}" at ${at}`);
    }
    if (['items', 'additionalProperties', 'if', 'then', 'else', 'not'].includes(keyword)) {
      assertSupportedKeywords(value as Schema, `${at}/${keyword}`);
    } else if (keyword === 'allOf') {
      (value as Schema[]).forEach((sub, i) => assertSupportedKeywords(sub, `${at}/allOf/${i}`));
    } else if (keyword === 'properties') {
      for (const [key, sub] of Object.entries(value as Record<string, Schema>)) {
        assertSupportedKeywords(sub, `${at}/properties/${key}`);
      }
    }
  }
}
