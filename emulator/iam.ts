/**
 * IAM: `POST /v3/auth/tokens` with the password method, and the tokens it issues.
 *
 * Tokens are self-contained: `MII` + base64url(claims JSON) + base64url(HMAC-SHA256(claims)) under a per-state
 * secret. Nothing but the secret and the revocation thresholds has to be stored (and persisted) to verify them,
 * and token strings never reach the snapshot. Token times are wall-clock, because clients compare `expires_at`
 * with their own clock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import type { EmulatorConfig, IamDomainConfig, IamProjectConfig, IamUserConfig } from './config';
import { keystoneError } from './errors';

/** What a token asserts. Times are wall-clock epoch ms. */
export interface TokenClaims {
  /** Issue sequence number (revocation compares it, so a token issued after a revocation is never caught). */
  seq: number;
  userId: string;
  userName: string;
  domainId: string;
  domainName: string;
  /** Project scope; absent for a domain-scoped token. */
  projectId?: string;
  projectName?: string;
  issuedAt: number;
  expiresAt: number;
}

/** The outcome of verifying a token. */
export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: 'malformed' }
  | { ok: false; reason: 'expired' | 'revoked'; expiresAt: number };

/** Persisted IAM state: the signing secret and the revocation thresholds (no token strings). */
export interface IamSnapshot {
  secret: string;
  nextSeq: number;
  revokedThroughSeq: number;
  revokedThroughSeqByUser: Record<string, number>;
  /** Wall time of the latest revocation per user id ("" = all users), used as the reported expiry. */
  revokedAt: Record<string, number>;
}

const MAC_CHARS = 43;
const TOKEN_PREFIX = 'MII';
const MAX_TOKEN_LENGTH = 16_384;

/** ISO-8601 UTC with microseconds, as IAM writes it: `2020-01-04T09:05:22.701000Z`. */
export function formatIamTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Issues and verifies tokens; keeps the revocation state. */
export class TokenService {
  private readonly secret: Buffer;
  private nextSeq: number;
  private revokedThroughSeq: number;
  private readonly revokedThroughSeqByUser: Map<string, number>;
  private readonly revokedAt: Map<string, number>;
  /** Verified tokens → claims, so the HMAC runs once per token rather than once per request. */
  private readonly verified = new Map<string, TokenClaims>();

  constructor(snapshot: IamSnapshot) {
    this.secret = Buffer.from(snapshot.secret, 'hex');
    this.nextSeq = snapshot.nextSeq;
    this.revokedThroughSeq = snapshot.revokedThroughSeq;
    this.revokedThroughSeqByUser = new Map(Object.entries(snapshot.revokedThroughSeqByUser));
    this.revokedAt = new Map(Object.entries(snapshot.revokedAt));
  }

  /** Issues a token for the claims (the sequence number is assigned here). */
  issue(claims: Omit<TokenClaims, 'seq'>): { token: string; claims: TokenClaims } {
    const full: TokenClaims = { ...claims, seq: this.nextSeq++ };
    const payload = Buffer.from(JSON.stringify(full)).toString('base64url');
    const mac = createHmac('sha256', this.secret).update(payload).digest('base64url');
    const token = `${TOKEN_PREFIX}${payload}${mac}`;
    return { token, claims: full };
  }

  /** Verifies a token against the wall clock `nowMs`. */
  verify(token: string, nowMs: number): TokenCheck {
    let claims = this.verified.get(token);
    if (claims === undefined) {
      const parsed = this.decode(token);
      if (parsed === undefined) return { ok: false, reason: 'malformed' };
      claims = parsed;
      // Bounded: a flood of distinct valid tokens cannot grow the cache without limit.
      if (this.verified.size >= 50_000) this.verified.clear();
      this.verified.set(token, claims);
    }
    const userThreshold = this.revokedThroughSeqByUser.get(claims.userId) ?? -1;
    if (claims.seq <= this.revokedThroughSeq || claims.seq <= userThreshold) {
      const at = claims.seq <= userThreshold ? this.revokedAt.get(claims.userId) : this.revokedAt.get('');
      return { ok: false, reason: 'revoked', expiresAt: at ?? claims.expiresAt };
    }
    if (nowMs >= claims.expiresAt) return { ok: false, reason: 'expired', expiresAt: claims.expiresAt };
    return { ok: true, claims };
  }

  /** Revokes every token issued so far, or those of one user (by user id). */
  revoke(nowMs: number, userId?: string): void {
    const through = this.nextSeq - 1;
    if (userId === undefined) {
      this.revokedThroughSeq = through;
      this.revokedAt.set('', nowMs);
    } else {
      this.revokedThroughSeqByUser.set(userId, through);
      this.revokedAt.set(userId, nowMs);
    }
  }

  /** The persisted form. */
  snapshot(): IamSnapshot {
    return {
      secret: this.secret.toString('hex'),
      nextSeq: this.nextSeq,
      revokedThroughSeq: this.revokedThroughSeq,
      revokedThroughSeqByUser: Object.fromEntries(this.revokedThroughSeqByUser),
      revokedAt: Object.fromEntries(this.revokedAt),
    };
  }

  private decode(token: string): TokenClaims | undefined {
    if (token.length > MAX_TOKEN_LENGTH || token.length <= TOKEN_PREFIX.length + MAC_CHARS) return undefined;
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    const payload = token.slice(TOKEN_PREFIX.length, token.length - MAC_CHARS);
    const mac = Buffer.from(token.slice(token.length - MAC_CHARS), 'base64url');
    const expected = createHmac('sha256', this.secret).update(payload).digest();
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
    try {
      const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      return isClaims(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }
}

function isClaims(value: unknown): value is TokenClaims {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.seq === 'number' &&
    typeof v.userId === 'string' &&
    typeof v.domainId === 'string' &&
    typeof v.issuedAt === 'number' &&
    typeof v.expiresAt === 'number'
  );
}

// --- POST /v3/auth/tokens ---

function asObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw keystoneError(400, `Invalid input for field '${path}': an object is required.`);
  }
  return value as Record<string, unknown>;
}

function optionalString(obj: Record<string, unknown>, key: string, path: string): string | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw keystoneError(400, `Invalid input for field '${path}.${key}': a non-empty string is required.`);
  }
  return value;
}

function requiredString(obj: Record<string, unknown>, key: string, path: string): string {
  const value = optionalString(obj, key, path);
  if (value === undefined) throw keystoneError(400, `Invalid input for field '${path}.${key}': it is required.`);
  return value;
}

/** Scope requested by the caller. */
type RequestedScope = { kind: 'project'; id?: string; name?: string } | { kind: 'domain'; id?: string; name?: string };

/** The parsed password-method request; values are kept only for the duration of the call. */
interface PasswordAuthRequest {
  userName: string;
  password: string;
  domainName?: string;
  domainId?: string;
  scope: RequestedScope;
}

/** Parses and structurally validates the Keystone body; throws 400 Keystone errors. */
export function parsePasswordAuth(body: unknown): PasswordAuthRequest {
  const auth = asObject(asObject(body, 'body').auth, 'auth');
  const identity = asObject(auth.identity, 'auth.identity');
  const methods = identity.methods;
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === 'string')) {
    throw keystoneError(400, "Invalid input for field 'auth.identity.methods': a list of methods is required.");
  }
  if (!methods.includes('password')) {
    throw keystoneError(400, "Invalid input for field 'auth.identity.methods': only 'password' is supported.");
  }
  const user = asObject(asObject(identity.password, 'auth.identity.password').user, 'auth.identity.password.user');
  const userPath = 'auth.identity.password.user';
  const userName = requiredString(user, 'name', userPath);
  const password = requiredString(user, 'password', userPath);
  const domain = asObject(user.domain, `${userPath}.domain`);
  const domainName = optionalString(domain, 'name', `${userPath}.domain`);
  const domainId = optionalString(domain, 'id', `${userPath}.domain`);
  if (domainName === undefined && domainId === undefined) {
    throw keystoneError(400, `Invalid input for field '${userPath}.domain': a name or an id is required.`);
  }
  const scopeObj = asObject(auth.scope, 'auth.scope');
  const hasProject = scopeObj.project !== undefined;
  const hasDomain = scopeObj.domain !== undefined;
  if (hasProject === hasDomain) {
    throw keystoneError(400, "Invalid input for field 'auth.scope': exactly one of project or domain is required.");
  }
  const target = asObject(
    hasProject ? scopeObj.project : scopeObj.domain,
    hasProject ? 'auth.scope.project' : 'auth.scope.domain',
  );
  const path = hasProject ? 'auth.scope.project' : 'auth.scope.domain';
  const id = optionalString(target, 'id', path);
  const name = optionalString(target, 'name', path);
  if (id === undefined && name === undefined) {
    throw keystoneError(400, `Invalid input for field '${path}': a name or an id is required.`);
  }
  const scope: RequestedScope = hasProject ? { kind: 'project', id, name } : { kind: 'domain', id, name };
  return { userName, password, domainName, domainId, scope };
}

/** The authenticated principal. */
interface Principal {
  domain: IamDomainConfig;
  user: IamUserConfig;
  project?: IamProjectConfig;
}

/** Checks credentials and scope against the configuration; throws 401 Keystone errors. */
export function authenticatePassword(config: EmulatorConfig, request: PasswordAuthRequest): Principal {
  const domain = config.iam.domains.find((d) =>
    request.domainId !== undefined ? d.id === request.domainId : d.name === request.domainName,
  );
  const user = domain?.users.find((u) => u.name === request.userName);
  // One message for unknown domain, unknown user and wrong password, so the API does not reveal which it was.
  if (!domain || !user || user.password !== request.password) {
    throw keystoneError(401, 'The username or password is wrong.');
  }
  if (request.scope.kind === 'domain') {
    const scope = request.scope;
    if (
      (scope.id !== undefined && scope.id !== domain.id) ||
      (scope.name !== undefined && scope.name !== domain.name)
    ) {
      throw keystoneError(401, 'The request you have made requires authentication.');
    }
    return { domain, user };
  }
  const scope = request.scope;
  const project = domain.projects.find((p) => (scope.id !== undefined ? p.id === scope.id : p.name === scope.name));
  if (!project) throw keystoneError(401, 'The request you have made requires authentication.');
  return { domain, user, project };
}

/** Builds the 201 body `{token: …}` (the token string itself goes into `X-Subject-Token`). */
export function tokenBody(
  claims: TokenClaims,
  options: { withCatalog: boolean; baseUrl: string; region: string },
): Record<string, unknown> {
  const domainRef = { id: claims.domainId, name: claims.domainName };
  const token: Record<string, unknown> = {
    methods: ['password'],
    expires_at: formatIamTime(claims.expiresAt),
    issued_at: formatIamTime(claims.issuedAt),
    user: { domain: domainRef, id: claims.userId, name: claims.userName, password_expires_at: '' },
    roles: [
      { id: '0', name: 'te_admin' },
      { id: '0', name: 'op_service' },
    ],
    catalog: options.withCatalog
      ? [
          {
            type: 'oms',
            id: 'b8d8e7f3a6c94a1d9e0f2b3c4d5e6f70',
            name: 'oms',
            endpoints: [endpoint(options.baseUrl, options.region, '1f2e3d4c5b6a79880f1e2d3c4b5a6978')],
          },
          {
            type: 'identity',
            id: 'c9e9f8a4b7d05b2e0f1a3c4d5e6f7081',
            name: 'iam',
            endpoints: [endpoint(options.baseUrl, options.region, '2a3b4c5d6e7f80910a1b2c3d4e5f6071')],
          },
        ]
      : [],
  };
  if (claims.projectId !== undefined) {
    token.project = { domain: domainRef, id: claims.projectId, name: claims.projectName ?? '' };
  } else {
    token.domain = domainRef;
  }
  return { token };
}

function endpoint(url: string, region: string, id: string): Record<string, string> {
  return { id, interface: 'public', region, region_id: region, url };
}
