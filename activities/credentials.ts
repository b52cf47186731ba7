/**
 * Credential profiles: named sets of secrets that only the worker holds. Migration requests name a profile;
 * activities resolve it here. Pluggable: anything implementing {@link CredentialStore} works (a secrets manager,
 * a vault client); the worker ships an environment/file-backed one (worker/config.ts).
 */

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
    for (const v of [p.ak, p.sk, p.securityToken, p.iamPassword, p.cdnAuthenticationKey]) if (v) values.push(v);
  }
  return values;
}
