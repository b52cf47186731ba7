/**
 * Credential profiles: named sets of secrets that only the worker holds. Migration requests name a profile;
 * activities resolve it here. Pluggable: anything implementing {@link CredentialStore} works (a secrets manager,
 * a vault client); the worker ships an environment/file-backed one (worker/config.ts).
 */
import { PROFILE_NAME_PATTERN } from '../workflows/shared/request-spec';

/** The secrets a profile may hold. Which ones are needed depends on where the profile is used. */
export interface CredentialProfile {
  /** Access key (source or destination node, or the API itself in AK/SK mode). */
  ak?: string;
  /** Secret key. */
  sk?: string;
  /** Temporary security token accompanying a temporary AK/SK. */
  securityToken?: string;
  /** IAM user for password tokens (token mode for the OMS API). */
  iamUser?: string;
  /** IAM password. */
  iamPassword?: string;
  /** IAM account (domain) name; or {@link iamDomainId}. */
  iamDomain?: string;
  /** IAM account (domain) id. */
  iamDomainId?: string;
  /** CDN URL-authentication key (`source_cdn.authentication_key`). */
  cdnAuthenticationKey?: string;
  /** HMAC-SHA256 key of completion-webhook signatures (`notification.credential_profile`, docs/notifications.md). */
  webhookSecret?: string;
}

/**
 * The `OMS_PROFILE_<NAME>_<SUFFIX>` variable suffixes and the profile field each fills (worker/config.ts reads
 * them; activities name them in `CredentialsMissing` messages).
 */
export const PROFILE_ENV_FIELDS: Readonly<Record<string, keyof CredentialProfile>> = {
  AK: 'ak',
  SK: 'sk',
  SECURITY_TOKEN: 'securityToken',
  IAM_USER: 'iamUser',
  IAM_PASSWORD: 'iamPassword',
  IAM_DOMAIN: 'iamDomain',
  IAM_DOMAIN_ID: 'iamDomainId',
  CDN_AUTHENTICATION_KEY: 'cdnAuthenticationKey',
  WEBHOOK_SECRET: 'webhookSecret',
};

/**
 * The profile names the worker's environment can configure and a request may name (one rule: the request spec's).
 * Anything else may be a secret pasted into the wrong field, so it is never repeated in a message.
 */
export { PROFILE_NAME_PATTERN };

/** Whether a profile name may be repeated in a message: {@link PROFILE_NAME_PATTERN}, and not shaped like a key. */
export function isShowableProfileName(name: string): boolean {
  // A Huawei Cloud AK (20 capitals and digits) fits the pattern: a long all-capitals name with a digit is not shown.
  return PROFILE_NAME_PATTERN.test(name) && !(/^[A-Z0-9]{16,}$/.test(name) && /[0-9]/.test(name));
}

/**
 * The environment variable that sets `field` of the profile `name` (`OMS_PROFILE_MY_SRC_AK`), or with
 * `<NAME>` in place of a name that {@link isShowableProfileName} refuses.
 */
export function profileEnvVar(name: string, field: keyof CredentialProfile): string {
  const envName = isShowableProfileName(name) ? name.toUpperCase().replace(/-/g, '_') : '<NAME>';
  const suffix = Object.keys(PROFILE_ENV_FIELDS).find((k) => PROFILE_ENV_FIELDS[k] === field) ?? field;
  return `OMS_PROFILE_${envName}_${suffix}`;
}

/** Looks profiles up by name. Implementations must never log the secrets they return. */
export interface CredentialStore {
  /** The profile, or undefined if this worker has none of that name. */
  get(name: string): CredentialProfile | undefined;
  /** Profile names (for diagnostics; no secrets). */
  names(): string[];
}

/** A store over a fixed map of profiles (names are case-insensitive). */
export function staticCredentialStore(profiles: Record<string, CredentialProfile>): CredentialStore {
  const byName = new Map(Object.entries(profiles).map(([name, p]) => [name.toLowerCase(), Object.freeze({ ...p })]));
  return {
    get: (name) => byName.get(name.toLowerCase()),
    names: () => [...byName.keys()],
  };
}

/** Every secret string held by a store: used by tests and log scrubbing to prove none of them leaks. */
export function secretValues(store: CredentialStore): string[] {
  const values: string[] = [];
  for (const name of store.names()) {
    const p = store.get(name);
    if (!p) continue;
    for (const v of [p.ak, p.sk, p.securityToken, p.iamPassword, p.cdnAuthenticationKey, p.webhookSecret]) {
      if (v) values.push(v);
    }
  }
  return values;
}
