/** Registers the project's custom search attributes on an existing server (idempotent). */
import type { Connection } from '@temporalio/client';

import { INDEXED_VALUE_TYPES } from '../../worker/search-attributes';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

/** Adds any of the project's search attributes the namespace lacks; leaves existing ones alone. */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((key) => [key.name, INDEXED_VALUE_TYPES[key.type]]),
    ),
  });
  return missing.map((key) => key.name);
}
