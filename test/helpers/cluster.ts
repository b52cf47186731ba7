/**
 * What the cluster test run (`npm run test:cluster`, OMS_TEST_SERVER=cluster) hands to its test files beyond
 * TEST_ENV: which server the run uses and how to reach its PostgreSQL (to dump what the server stored).
 */
import { pgDump, psql, type DumpOptions, type PostgresConnection } from '../../scripts/lib/postgres';

/** Environment variables set by the global setup in a cluster run. */
export const CLUSTER_TEST_ENV = {
  /** JSON of the cluster's PostgresConnection. */
  postgres: 'OMS_TEST_POSTGRES',
} as const;

/** `dev` (the Temporal CLI dev server, default) or `cluster` (the Temporal server on PostgreSQL). */
export function testServerKind(): 'dev' | 'cluster' {
  const kind = process.env.OMS_TEST_SERVER ?? 'dev';
  if (kind !== 'dev' && kind !== 'cluster') throw new Error(`OMS_TEST_SERVER must be dev or cluster, not ${kind}`);
  return kind;
}

/** The run's PostgreSQL; throws outside a cluster run. */
export function testPostgres(): PostgresConnection {
  const json = process.env[CLUSTER_TEST_ENV.postgres];
  if (!json) throw new Error(`${CLUSTER_TEST_ENV.postgres} is not set: run this test with npm run test:cluster`);
  return JSON.parse(json) as PostgresConnection;
}

/** `pg_dump` (rows only) of tables of the run's history store, e.g. `['history_node', 'executions']`. */
export function dumpTables(tables: string[], options: Omit<DumpOptions, 'tables'> = {}): Promise<string> {
  return pgDump(testPostgres(), { ...options, tables });
}

/** One SQL statement against the run's database (default the history store `temporal`). */
export function query(sql: string, database?: string): Promise<string[][]> {
  return psql(testPostgres(), sql, database);
}
