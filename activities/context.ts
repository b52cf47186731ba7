/**
 * Shared wiring for the activities: one OMS client per API credential profile and one IAM token cache per worker,
 * built lazily from the injected dependencies. Secrets are read from the credential store here and nowhere else.
 */
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Dispatcher } from 'undici';

import { FailureType } from '../workflows/failure-types';
import { countRequest } from './call-accounting';
import type { CredentialProfile, CredentialStore } from './credentials';
import { OmsClient } from './oms/client';
import type { HttpTimeouts } from './oms/http';
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

const ENV_HINT: Partial<Record<keyof CredentialProfile, string>> = {
  ak: 'AK',
  sk: 'SK',
  iamUser: 'IAM_USER',
  iamPassword: 'IAM_PASSWORD',
  cdnAuthenticationKey: 'CDN_AUTHENTICATION_KEY',
};

/** What a profile name looks like (the request validator's rule); anything else is never echoed. */
const PROFILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

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
    // A name that is not a profile name may be a secret pasted in the wrong place: never repeat it.
    const nameOk = PROFILE_NAME_PATTERN.test(name);
    const shown = nameOk ? `"${name}"` : '(the name given is not a valid profile name)';
    const envName = nameOk ? name.toUpperCase().replace(/[^A-Z0-9]/g, '_') : '<NAME>';
    // A missing profile used only by name (source, destination) needs keys or an IAM user: name both ways.
    const hints =
      missing.length > 0 ? missing.map((f) => ENV_HINT[f] ?? f) : ['AK and _SK (or _IAM_USER and _IAM_PASSWORD)'];
    const vars = hints.map((h) => `OMS_PROFILE_${envName}_${h}`);
    throw ApplicationFailure.create({
      type: FailureType.CredentialsMissing,
      nonRetryable: true,
      message:
        `Credential profile ${shown} (${use}) ${profile ? `lacks ${missing.join(', ')}` : 'is not configured on this worker'}. ` +
        `Configure it on the worker (environment ${vars.join(', ')}, or OMS_CREDENTIALS_FILE), not in the request.`,
    });
  };

  const tokenCache = new TokenCache({
    refreshBeforeExpiryMs: deps.tokenRefreshBeforeExpiryMs,
    fetchToken: (profileName) => {
      const p = requireProfile(profileName, ['iamUser', 'iamPassword'], 'IAM token for the OMS API');
      const domain = p.iamDomainId ? { domainId: p.iamDomainId } : { domainName: p.iamDomain ?? p.iamUser! };
      return fetchIamToken({
        ...domain,
        iamEndpoint: deps.iamEndpoint,
        projectId: deps.projectId,
        user: p.iamUser!,
        password: p.iamPassword!,
        dispatcher: deps.dispatcher,
        timeouts: deps.timeouts,
        onRequest: countRequest,
      });
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
        onRequest: countRequest,
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
