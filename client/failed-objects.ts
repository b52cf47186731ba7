/**
 * The whole failed-object list of a migration, streamed straight from OBS with the operator's own configuration.
 *
 * Design: the report's `failed_objects` says where the list is (bucket, region, key) and which credential profile
 * the worker read it with; the operator's machine reads it directly with Huawei's OBS SDK, using the same variables
 * a worker would (`OMS_PROFILE_<NAME>_AK`/`_SK` or `_AK_FILE`/`_SK_FILE`, optional `_SECURITY_TOKEN`,
 * `OMS_OBS_ENDPOINT`, `OMS_ALLOW_INSECURE_HTTP`). Nothing passes through Temporal, so a list of millions of keys
 * costs no history and meets no payload limit, and memory stays bounded by one line.
 */
import fs from 'node:fs';
import type { Readable } from 'node:stream';

import { profileEnvVar } from '../activities/credentials';
import { DEFAULT_OBS_ENDPOINT, createObsClient, obsCall, obsEndpointFor } from '../activities/obs/client';
import { readFailedList, type FailedListEntry } from '../activities/obs/failed-list';
import type { MigrationReport } from '../workflows/report-types';

export type { FailedListEntry } from '../activities/obs/failed-list';

/** Where a failed-object list is. */
export interface FailedObjectsLocation {
  bucket: string;
  region: string;
  key: string;
  /** Credential profile to read it with (the destination's). */
  profile: string;
}

/** Why a list cannot be streamed: `code` is stable, `message` says what to do. Never carries a secret. */
export class FailedObjectsError extends Error {
  override readonly name = 'FailedObjectsError';

  constructor(
    /** `NoFailedObjects`, `NotRecorded`, `NotSummarised`, `Configuration`. */
    readonly code: 'NoFailedObjects' | 'NotRecorded' | 'NotSummarised' | 'Configuration',
    message: string,
  ) {
    super(message);
  }
}

/** Where the report's failed-object list is, or a {@link FailedObjectsError} saying why there is none. */
export function failedObjectsLocation(report: MigrationReport): FailedObjectsLocation {
  const fo = report.failed_objects;
  if (!fo) {
    if ((report.failed_num ?? 0) === 0) {
      throw new FailedObjectsError('NoFailedObjects', `Migration ${report.migration_id} has no failed objects`);
    }
    throw new FailedObjectsError(
      'NotSummarised',
      `Migration ${report.migration_id} has ${report.failed_num} failed object(s) but its report has no ` +
        'failed_objects section (it ran before the orchestrator read failed-object lists); the list is at ' +
        `${report.failed_object_record?.list_file_key ?? '(not recorded)'} in bucket ${report.dst_bucket}`,
    );
  }
  if (fo.list_file_key === null) {
    throw new FailedObjectsError(
      'NotRecorded',
      `OMS recorded no failed-object list for migration ${report.migration_id}: ${fo.unavailable?.message ?? 'no list'}`,
    );
  }
  return { bucket: fo.bucket, region: fo.region, key: fo.list_file_key, profile: fo.credential_profile };
}

/** How the operator's machine reaches OBS. */
export interface OperatorObsConfig {
  endpoint: string;
  ak: string;
  sk: string;
  securityToken?: string;
}

function secretFrom(env: NodeJS.ProcessEnv, variable: string): string | undefined {
  const direct = env[variable]?.trim();
  if (direct) return direct;
  const file = env[`${variable}_FILE`]?.trim();
  if (!file) return undefined;
  try {
    return fs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    throw new FailedObjectsError('Configuration', `${variable}_FILE names a file that cannot be read`);
  }
}

/**
 * The OBS endpoint and keys of `location` from the environment (`OMS_PROFILE_<NAME>_AK/_SK[_FILE]`,
 * `OMS_OBS_ENDPOINT`); a {@link FailedObjectsError} naming the variables when something is missing.
 */
export function operatorObsConfig(location: FailedObjectsLocation, env: NodeJS.ProcessEnv): OperatorObsConfig {
  const akVar = profileEnvVar(location.profile, 'ak');
  const skVar = profileEnvVar(location.profile, 'sk');
  const ak = secretFrom(env, akVar);
  const sk = secretFrom(env, skVar);
  if (!ak || !sk) {
    throw new FailedObjectsError(
      'Configuration',
      `Reading the failed-object list needs the destination's keys here: set ${akVar} and ${skVar} (or ` +
        `${akVar}_FILE and ${skVar}_FILE)`,
    );
  }
  const endpoint = obsEndpointFor(env.OMS_OBS_ENDPOINT?.trim() || DEFAULT_OBS_ENDPOINT, location.region);
  if (/^http:/i.test(endpoint) && env.OMS_ALLOW_INSECURE_HTTP?.trim().toLowerCase() !== 'true') {
    throw new FailedObjectsError(
      'Configuration',
      'OMS_OBS_ENDPOINT uses plain http: set OMS_ALLOW_INSECURE_HTTP=true for a local emulator, or use https',
    );
  }
  const securityToken = secretFrom(env, profileEnvVar(location.profile, 'securityToken'));
  return { endpoint, ak, sk, ...(securityToken ? { securityToken } : {}) };
}

/**
 * Streams every entry of the list, in list order, calling `onEntry` for each (memory: one line). Rejects with
 * `ObsRequestError` (status, OBS code) when OBS refuses or cannot be reached.
 */
export async function streamFailedObjects(
  location: FailedObjectsLocation,
  config: OperatorObsConfig,
  onEntry: (entry: FailedListEntry) => void,
): Promise<void> {
  const client = await createObsClient({
    endpoint: config.endpoint,
    region: location.region,
    ak: config.ak,
    sk: config.sk,
    ...(config.securityToken ? { securityToken: config.securityToken } : {}),
    timeoutSeconds: 120,
  });
  try {
    const object = await obsCall('getObject', { bucket: location.bucket, key: location.key }, () =>
      client.getObject({ Bucket: location.bucket, Key: location.key, SaveAsStream: true }),
    );
    await readFailedList(object.Content as Readable, onEntry);
  } finally {
    client.close();
  }
}
