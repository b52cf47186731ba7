/**
 * The start-up check that the namespace has the project's custom search attributes. It reads the namespace's own
 * custom attributes (OperatorService.ListSearchAttributes), not WorkflowService.GetSearchAttributes: that one
 * lists the cluster's keys, which on a server with SQL visibility (the dev server, most self-hosted ones) never
 * include a namespace's custom attributes, so it reported them missing on every such server.
 */
import type { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Logger, NativeConnection } from '@temporalio/worker';

import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';

type IndexedValueType = temporal.api.enums.v1.IndexedValueType;
const IVT = temporal.api.enums.v1.IndexedValueType;

/** The server's indexed value type of each SDK search attribute type. */
export const INDEXED_VALUE_TYPES: Readonly<Record<SearchAttributeType, IndexedValueType>> = {
  TEXT: IVT.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: IVT.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IVT.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IVT.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IVT.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IVT.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IVT.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** What the namespace lacks: attributes not registered, and attributes registered with another type. */
export interface SearchAttributeCheck {
  missing: string[];
  wrongType: { name: string; expected: SearchAttributeType; registered: string }[];
}

/**
 * Compares a ListSearchAttributes answer with the project's attributes. Only `customAttributes` counts: a name
 * among the system attributes (or in any other list) cannot be upserted by a workflow.
 */
export function checkSearchAttributes(
  listed: Pick<temporal.api.operatorservice.v1.IListSearchAttributesResponse, 'customAttributes'>,
): SearchAttributeCheck {
  const custom = new Map(Object.entries(listed.customAttributes ?? {}));
  const result: SearchAttributeCheck = { missing: [], wrongType: [] };
  for (const { name, type } of SEARCH_ATTRIBUTES) {
    const registered = custom.get(name);
    if (registered === undefined || registered === null) result.missing.push(name);
    else if (registered !== INDEXED_VALUE_TYPES[type]) {
      const label = IVT[registered] ?? String(registered);
      result.wrongType.push({ name, expected: type, registered: label.replace(/^INDEXED_VALUE_TYPE_/, '') });
    }
  }
  return result;
}

/**
 * Logs at start-up whether the namespace has the attributes: one INFO line when it has them all, a warning naming
 * the missing (or mistyped) ones otherwise, and a warning when the server does not let the worker look (the
 * worker still starts: the check is advice, not a precondition).
 */
export async function logSearchAttributeCheck(
  connection: NativeConnection,
  namespace: string,
  logger: Logger,
): Promise<SearchAttributeCheck | undefined> {
  let check: SearchAttributeCheck;
  try {
    check = checkSearchAttributes(await connection.operatorService.listSearchAttributes({ namespace }));
  } catch (err) {
    logger.warn('Could not check the custom search attributes; continuing', {
      namespace,
      error: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
  const fix = 'npm run register-search-attributes (or temporal operator search-attribute create ...)';
  if (check.missing.length > 0) {
    logger.warn('Custom search attributes are not registered; migrations will fail to upsert them', {
      namespace,
      missing: check.missing,
      fix,
    });
  }
  if (check.wrongType.length > 0) {
    logger.warn('Custom search attributes are registered with another type; migrations will fail to upsert them', {
      namespace,
      wrongType: check.wrongType,
    });
  }
  if (check.missing.length === 0 && check.wrongType.length === 0) {
    logger.info('Custom search attributes are registered', { namespace, count: SEARCH_ATTRIBUTES.length });
  }
  return check;
}
