/**
 * `report ID --failed-objects`: streams a migration's whole failed-object list to standard output, one key per line
 * (`--json`: one JSON object per line, `{"key", "error_code"?, "reason"?}`), read straight from OBS with the
 * operator's environment (client/failed-objects.ts). Also the lines `report` prints for the bounded summary.
 *
 * The CLI's program wires it: after it has the `MigrationResult` of `report ID`, it calls
 * {@link runFailedObjectsCommand} instead of printing the report, and uses the exit code returned.
 */
import { ObsRequestError } from '../../activities/obs/client';
import { REASONS_NOT_RECORDED, type MigrationReport } from '../../workflows/report-types';
import { FailedObjectsError, failedObjectsLocation, operatorObsConfig, streamFailedObjects } from '../failed-objects';
import type { MigrationResult } from '../migration-client';
import { EXIT, type ExitCode } from './exit-codes';
import type { Out } from './io';

/** Options of {@link runFailedObjectsCommand}. */
export interface FailedObjectsCommandOptions {
  /** Where the keys go (standard output): one line per call. */
  out: Out;
  /** Where messages go (standard error). */
  err: Out;
  /** One JSON object per line instead of bare keys. */
  json?: boolean;
  /** The operator's environment (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Streams the list of `result.report`. Exit codes: 0 every key printed (also when there were no failed objects:
 * nothing printed, a note on stderr); 1 the list could not be read (OBS refused or unreachable, OMS recorded none);
 * 2 the operator's configuration lacks the keys or endpoint (the message names the variables).
 */
export async function runFailedObjectsCommand(
  result: MigrationResult,
  options: FailedObjectsCommandOptions,
): Promise<ExitCode> {
  const { out, err } = options;
  const report = result.report;
  if (!report) {
    err('This migration has no report (it has not ended, or ended before a task existed): no failed-object list');
    return EXIT.ERROR;
  }
  let printed = 0;
  try {
    const location = failedObjectsLocation(report);
    const config = operatorObsConfig(location, options.env ?? process.env);
    await streamFailedObjects(location, config, (entry) => {
      printed += 1;
      out(options.json ? JSON.stringify(entry) : entry.key);
    });
    err(`${printed} failed object(s) listed from ${location.bucket}/${location.key}`);
    return EXIT.OK;
  } catch (e) {
    if (e instanceof FailedObjectsError) {
      err(e.message);
      if (e.code === 'NoFailedObjects') return EXIT.OK;
      return e.code === 'Configuration' ? EXIT.USAGE : EXIT.ERROR;
    }
    if (e instanceof ObsRequestError) {
      const after = printed > 0 ? ` after ${printed} key(s)` : '';
      err(`Could not read the failed-object list${after}: ${e.message} (bucket ${e.bucket}, key ${e.key ?? '-'})`);
      return EXIT.ERROR;
    }
    throw e;
  }
}

/** The lines `report` prints for `failed_objects` (empty when the report has none). */
export function renderFailedObjectsSummary(report: MigrationReport): string[] {
  const fo = report.failed_objects;
  if (!fo) return [];
  const lines: string[] = [];
  if (fo.summary) {
    const s = fo.summary;
    const more = s.count > s.first_keys.length ? ` (first ${s.first_keys.length} below)` : '';
    lines.push(`Failed objects: ${s.count} in ${fo.bucket}/${fo.list_file_key}${more}`);
    for (const key of s.first_keys) lines.push(`  ${key}`);
    lines.push(
      s.reasons === REASONS_NOT_RECORDED
        ? `  reasons: ${REASONS_NOT_RECORDED}`
        : `  reasons: ${s.reasons.map((r) => `${r.error_code}${r.reason ? ` ${r.reason}` : ''} ×${r.count}`).join(', ')}`,
    );
    if (s.count > s.first_keys.length) {
      lines.push(`  all keys: report ${report.migration_id} --failed-objects`);
    }
  } else if (fo.unavailable) {
    lines.push(`Failed objects: summary unavailable (${fo.unavailable.code}: ${fo.unavailable.message})`);
  }
  if (fo.rounds.length > 1) {
    for (const r of fo.rounds) {
      const which = r.round === 0 ? 'first run' : `retry round ${r.round}`;
      const detail = r.unavailable
        ? `list unavailable (${r.unavailable.code})`
        : `${(r.first_keys ?? []).join(', ')}${(r.count ?? 0) > (r.first_keys?.length ?? 0) ? ', …' : ''}`;
      lines.push(`  after ${which}: ${r.failed_num} failed — ${detail}`);
    }
  }
  return lines;
}
