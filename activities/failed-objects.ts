/**
 * The failed-object summary: reads OMS's failed-object list from the destination bucket with Huawei's official OBS
 * SDK and the destination's credential profile, and returns a bounded summary (activities/obs/failed-list.ts).
 *
 * Permanent problems (no credentials, 403, 404, a list OBS will not serve) are returned as data (`unavailable`):
 * the migration reports why the summary is missing instead of failing. Transient ones (OBS unreachable, 5xx,
 * throttling) throw a retryable `ApiUnavailable` for the Temporal retry policy, the only retry layer.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Readable } from 'node:stream';

import { FailureType } from '../workflows/failure-types';
import type { FailedObjectsListSummary, FailedObjectsUnavailable } from '../workflows/report-types';
import type { ActivityContext } from './context';
import { credentialsMissingMessage } from './context';
import { DEFAULT_OBS_ENDPOINT, ObsRequestError, createObsClient, obsCall, obsEndpointFor } from './obs/client';
import { summarizeFailedList } from './obs/failed-list';

/** Default number of keys in a summary (`OMS_FAILED_OBJECTS_SUMMARY_KEYS`). */
export const DEFAULT_SUMMARY_KEYS = 20;

/** Input of `summarizeFailedObjects`: where the list is and whose keys read it (a profile name, no secret). */
export interface SummarizeFailedObjectsInput {
  bucket: string;
  region: string;
  list_file_key: string;
  credential_profile: string;
}

/** The summary, or why there is none. */
export type SummarizeFailedObjectsOutput =
  { summary: FailedObjectsListSummary } | { unavailable: FailedObjectsUnavailable };

/** Builds the failed-object activities over the worker's context. */
export function failedObjectsActivities(ctx: ActivityContext) {
  return {
    /** Reads and summarises one failed-object list (see the module comment). */
    async summarizeFailedObjects(input: SummarizeFailedObjectsInput): Promise<SummarizeFailedObjectsOutput> {
      const profile = ctx.deps.credentials.get(input.credential_profile);
      if (!profile?.ak || !profile.sk) {
        const missing = (['ak', 'sk'] as const).filter((f) => !profile?.[f]);
        return {
          unavailable: {
            code: FailureType.CredentialsMissing,
            message: credentialsMissingMessage(
              input.credential_profile,
              'reading the failed-object list',
              profile !== undefined,
              missing,
            ),
          },
        };
      }
      const endpoint = obsEndpointFor(ctx.deps.obsEndpoint ?? DEFAULT_OBS_ENDPOINT, input.region);
      const client = await createObsClient({
        endpoint,
        region: input.region,
        ak: profile.ak,
        sk: profile.sk,
        ...(profile.securityToken ? { securityToken: profile.securityToken } : {}),
      });
      const target = { bucket: input.bucket, key: input.list_file_key };
      try {
        const object = await obsCall('getObject', target, () =>
          client.getObject({ Bucket: input.bucket, Key: input.list_file_key, SaveAsStream: true }),
        );
        const summary = await summarizeFailedList(object.Content as Readable, {
          maxKeys: ctx.deps.failedObjectsSummaryKeys ?? DEFAULT_SUMMARY_KEYS,
        });
        return { summary };
      } catch (err) {
        if (err instanceof ObsRequestError && !err.retryable) {
          return { unavailable: { code: err.code, message: `${err.message} (bucket ${input.bucket})` } };
        }
        // A stream cut mid-list lands here too: read it again on the next attempt.
        const message = err instanceof Error ? err.message : String(err);
        throw ApplicationFailure.create({
          type: FailureType.ApiUnavailable,
          message: `Reading the failed-object list from ${endpoint} failed: ${message}`,
          details: [{ bucket: input.bucket, key: input.list_file_key }],
        });
      } finally {
        client.close();
      }
    },
  };
}
