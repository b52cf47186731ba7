/** The one mapping from the worker's configuration to the activities' injected dependencies. */
import type { ActivityDeps } from '../activities';
import type { WorkerConfig } from './config';

/**
 * The activity dependencies a {@link WorkerConfig} describes: endpoints, project, auth mode, credential store and
 * HTTP timeouts. `extra` adds what only the caller has (a test dispatcher, the worker's Temporal client).
 */
export function activityDepsFromConfig(
  config: WorkerConfig,
  extra: Pick<ActivityDeps, 'dispatcher' | 'temporalClient'> = {},
): ActivityDeps {
  return {
    omsEndpoint: config.oms.endpoint,
    iamEndpoint: config.oms.iamEndpoint,
    projectId: config.oms.projectId,
    authMode: config.oms.authMode,
    credentials: config.credentials,
    tokenRefreshBeforeExpiryMs: config.oms.tokenRefreshBeforeExpiryMs,
    timeouts: { headersTimeoutMs: config.oms.httpTimeoutMs, bodyTimeoutMs: config.oms.httpTimeoutMs },
    obsEndpoint: config.obs.endpoint,
    failedObjectsSummaryKeys: config.obs.summaryKeys,
    notification: config.notification,
    ...extra,
  };
}
