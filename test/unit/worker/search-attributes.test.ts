import { temporal } from '@temporalio/proto';
import type { NativeConnection } from '@temporalio/worker';

import { createJsonLogger } from '../../../worker/logger';
import { checkSearchAttributes, logSearchAttributeCheck } from '../../../worker/search-attributes';
import { SEARCH_ATTRIBUTES } from '../../../workflows/search-attributes';

const IVT = temporal.api.enums.v1.IndexedValueType;
const NAMES = SEARCH_ATTRIBUTES.map((k) => k.name);

/** The project's attributes as a dev server started with `--search-attribute` lists them for the namespace. */
const registered = (): Record<string, temporal.api.enums.v1.IndexedValueType> =>
  Object.fromEntries(
    SEARCH_ATTRIBUTES.map((k) => [
      k.name,
      k.type === 'INT' ? IVT.INDEXED_VALUE_TYPE_INT : IVT.INDEXED_VALUE_TYPE_KEYWORD,
    ]),
  );

/** System attributes every server lists (a few of them). */
const system = { WorkflowId: IVT.INDEXED_VALUE_TYPE_KEYWORD, StartTime: IVT.INDEXED_VALUE_TYPE_DATETIME };

describe('the start-up search-attribute check', () => {
  test('finds nothing missing when the namespace lists every attribute among its custom attributes', () => {
    expect(checkSearchAttributes({ customAttributes: registered() })).toEqual({ missing: [], wrongType: [] });
  });

  test('lists every attribute when the namespace has none (a fresh namespace: empty or absent list)', () => {
    for (const customAttributes of [{}, null, undefined]) {
      expect(checkSearchAttributes({ customAttributes })).toEqual({ missing: NAMES, wrongType: [] });
    }
  });

  test('names only the attributes that are missing', () => {
    const { OmsBlocked: _blocked, OmsBatchId: _batch, ...some } = registered();
    expect(checkSearchAttributes({ customAttributes: some }).missing).toEqual(['OmsBatchId', 'OmsBlocked']);
  });

  test('counts only custom attributes: names found in another list (system, cluster keys) are still missing', () => {
    // The old check read GetSearchAttributes' cluster-wide `keys`; an attribute there but not among the
    // namespace's custom attributes cannot be upserted.
    const listed = { customAttributes: {}, systemAttributes: { ...system, ...registered() }, keys: registered() };
    expect(checkSearchAttributes(listed).missing).toEqual(NAMES);
  });

  test('reports an attribute registered with another type', () => {
    const customAttributes = { ...registered(), OmsTaskId: IVT.INDEXED_VALUE_TYPE_KEYWORD };
    expect(checkSearchAttributes({ customAttributes })).toEqual({
      missing: [],
      wrongType: [{ name: 'OmsTaskId', expected: 'INT', registered: 'KEYWORD' }],
    });
  });

  /** Runs the logging check against a connection whose ListSearchAttributes answers `answer`. */
  async function logged(answer: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
    const lines: string[] = [];
    const logger = createJsonLogger('INFO', [], (l) => lines.push(l));
    const connection = { operatorService: { listSearchAttributes: answer } } as unknown as NativeConnection;
    await logSearchAttributeCheck(connection, 'ns-1', logger);
    return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  test('logs one INFO line and no warning when the attributes are registered', async () => {
    const records = await logged(() => Promise.resolve({ customAttributes: registered(), systemAttributes: system }));
    expect(records).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'Custom search attributes are registered' }),
    ]);
  });

  test('warns, naming the namespace and the missing attributes, when they are not', async () => {
    const records = await logged(() => Promise.resolve({ customAttributes: {}, systemAttributes: system }));
    expect(records).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: expect.stringContaining('Custom search attributes are not registered') as unknown,
        namespace: 'ns-1',
        missing: NAMES,
      }),
    ]);
  });

  test('a server that refuses the look-up gets a warning, and the worker goes on', async () => {
    const records = await logged(() => Promise.reject(new Error('PermissionDenied: operator API')));
    expect(records).toEqual([
      expect.objectContaining({ level: 'WARN', message: expect.stringContaining('Could not check') as unknown }),
    ]);
  });
});
