/**
 * Shared wiring for the activities: one OMS client per API credential profile and one IAM token cache per worker,
 * built lazily from the injected dependencies. Secrets are read from the credential store here and nowhere else.
 */
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Dispatcher } from 'undici';

import { FailureType } from '../workflows/failure-types';
import { countRequest } from './call-accounting';
import { isShowableProfileName, PROFILE_NAME_PATTERN, profileEnvVar } from './credentials';
import type { CredentialProfile, CredentialStore } from './credentials';
import { countTokenRefresh, recordApiRequest } from './metrics';
import { OmsClient } from './oms/client';
import type { HttpTimeouts, RequestEvent } from './oms/http';
import { fetchIamToken } from './oms/iam';
import { TokenCache } from './oms/token-cache';

/** Everything the activities need, injected by the worker (worker/main.ts) or a test. */
export interface ActivityDeps {
  /** OMS base URL, e.g. `https://oms.cn-north-4.myhuaweicloud.com`. */
  omsEndpoint: string;
  /** IAM base URL, e.g. `https://iam.myhuaweicloud.com`. */
  iamEndpoint: string;
  /** Project id used in OMS paths and as the IAM token scope. */
  projectId: string;
  /** How OMS API calls authenticate: IAM token (password profile) or AK/SK request signing. */
  authMode: 'token' | 'aksk';
  /** Where credential profiles come from. */
  credentials: CredentialStore;
  /** Refresh IAM tokens this long before they expire (default 5 min, capped at half the token's lifetime). */
  tokenRefreshBeforeExpiryMs?: number;
  /** HTTP dispatcher (tests inject one); default: a shared keep-alive agent. */
  dispatcher?: Dispatcher;
  /** HTTP timeouts per call. */
  timeouts?: HttpTimeouts;
  /**
   * Temporal client on the worker's namespace, for the region limiter and batch activities (signal-with-start,
   * describe, list). The worker passes one built on its own connection; without it those activities fail.
   */
  temporalClient?: Client;
  /** OBS endpoint template, `{region}` replaced by the bucket's region (default `https://obs.{region}.myhuaweicloud.com`). */
  obsEndpoint?: string;
  /** Keys kept in a failed-object summary (default 20). */
  failedObjectsSummaryKeys?: number;
  /** Completion webhooks (activities/notify.ts): the worker's default webhook and its plain-http opt-in. */
  notification?: NotificationSettings;
}

/** The worker's completion-webhook settings (`OMS_NOTIFY_*`, worker/config.ts). */
export interface NotificationSettings {
  /** Webhook used when a request has no `notification` (`OMS_NOTIFY_WEBHOOK_URL`); absent: none. */
  defaultWebhook?: { url: string; credentialProfile: string };
  /** `OMS_NOTIFY_ALLOW_INSECURE_HTTP`: plain http to non-loopback hosts is allowed. */
  allowInsecureHttp: boolean;
  /** Timeout of one delivery attempt, ms (headers and body). */
  timeoutMs: number;
}

/** Per-worker state derived from {@link ActivityDeps}. */
export interface ActivityContext {
  deps: ActivityDeps;
  /** The OMS client authenticating as `apiProfile`. */
  clientFor(apiProfile: string): OmsClient;
  /** Makes sure the IAM token of `apiProfile` is in the cache (token mode); no token is returned. */
  warmToken(apiProfile: string, signal?: AbortSignal): Promise<void>;
  /** A profile that must exist, with the named fields present; otherwise a non-retryable CredentialsMissing. */
  requireProfile(name: string, fields: readonly (keyof CredentialProfile)[], use: string): CredentialProfile;
}

/**
 * What a profile checked by name only (a source, destination or CDN profile, before the create) may need: the
 * node's keys, or a CDN key.
 */
const BY_NAME_FIELDS: readonly (readonly (keyof CredentialProfile)[])[] = [['ak', 'sk'], ['cdnAuthenticationKey']];

/**
 * The message of a `CredentialsMissing` failure: which profile (its name only when {@link isShowableProfileName}),
 * what it lacks, and always the variables that would configure it. Never a secret and never an invalid name.
 */
export function credentialsMissingMessage(
  name: string,
  use: string,
  exists: boolean,
  missing: readonly (keyof CredentialProfile)[],
): string {
  const vars = (fields: readonly (keyof CredentialProfile)[]): string =>
    fields.map((f) => profileEnvVar(name, f)).join(' and ');
  const what =
    missing.length > 0
      ? vars(missing)
      : `${vars(BY_NAME_FIELDS[0]!)} (a node's keys), or ${vars(BY_NAME_FIELDS[1]!)} (a CDN key)`;
  const quoted = (fields: readonly (keyof CredentialProfile)[]): string => fields.map((f) => `"${f}"`).join(' and ');
  const fileFields =
    missing.length > 0 ? quoted(missing) : `${quoted(BY_NAME_FIELDS[0]!)}, or ${quoted(BY_NAME_FIELDS[1]!)},`;
  const state = exists ? `lacks ${missing.join(', ')}` : 'is not configured on this worker';
  const fix =
    `${what} in the worker's environment (or ${fileFields} of the profile in OMS_CREDENTIALS_FILE) and restart ` +
    'the worker; credentials never go in the request.';
  if (isShowableProfileName(name)) return `Credential profile "${name}" (${use}) ${state}. Set ${fix}`;
  const why = PROFILE_NAME_PATTERN.test(name)
    ? 'the profile name given looks like an access key, so it is not repeated here'
    : 'the profile name given is not a valid profile name (1 to 64 letters, digits and "-", starting with a ' +
      'letter; it is not repeated here, as it may be a secret in the wrong field)';
  return (
    `The credential profile for ${use} ${state}, and ${why}. Name a valid profile in the request and configure ` +
    `it on the worker: <NAME> is the profile name in capitals with "_" for "-"; set ${fix}`
  );
}

/** Every OMS and IAM HTTP attempt: counted for the activity's report and recorded in the metrics. */
function onRequest(event: RequestEvent): void {
  countRequest(event);
  recordApiRequest(event);
}

/** Builds the context; clients and the token cache are created on first use. */
export function createActivityContext(deps: ActivityDeps): ActivityContext {
  const clients = new Map<string, OmsClient>();

  const requireProfile = (
    name: string,
    fields: readonly (keyof CredentialProfile)[],
    use: string,
  ): CredentialProfile => {
    const profile = deps.credentials.get(name);
    const missing = profile ? fields.filter((f) => !profile[f]) : fields;
    if (profile && missing.length === 0) return profile;
    throw ApplicationFailure.create({
      type: FailureType.CredentialsMissing,
      nonRetryable: true,
      message: credentialsMissingMessage(name, use, profile !== undefined, missing),
    });
  };

  const tokenCache = new TokenCache({
    refreshBeforeExpiryMs: deps.tokenRefreshBeforeExpiryMs,
    fetchToken: (profileName) => {
      const p = requireProfile(profileName, ['iamUser', 'iamPassword'], 'IAM token for the OMS API');
      const domain = p.iamDomainId ? { domainId: p.iamDomainId } : { domainName: p.iamDomain ?? p.iamUser! };
      return countTokenRefresh(
        fetchIamToken({
          ...domain,
          iamEndpoint: deps.iamEndpoint,
          projectId: deps.projectId,
          user: p.iamUser!,
          password: p.iamPassword!,
          dispatcher: deps.dispatcher,
          timeouts: deps.timeouts,
          onRequest,
        }),
      );
    },
  });

  const clientFor = (apiProfile: string): OmsClient => {
    let client = clients.get(apiProfile);
    if (!client) {
      const auth =
        deps.authMode === 'token'
          ? { mode: 'token' as const, tokenProvider: tokenCache.providerFor(apiProfile) }
          : (() => {
              const p = requireProfile(apiProfile, ['ak', 'sk'], 'AK/SK signing of OMS API calls');
              return { mode: 'aksk' as const, ak: p.ak!, sk: p.sk!, securityToken: p.securityToken };
            })();
      client = new OmsClient({
        omsEndpoint: deps.omsEndpoint,
        projectId: deps.projectId,
        auth,
        dispatcher: deps.dispatcher,
        timeouts: deps.timeouts,
        onRequest,
      });
      clients.set(apiProfile, client);
    }
    return client;
  };

  const warmToken = async (apiProfile: string, signal?: AbortSignal): Promise<void> => {
    await tokenCache.getToken(apiProfile, signal);
  };

  return { deps, clientFor, requireProfile, warmToken };
}
