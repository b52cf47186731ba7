/**
 * Authentication of OMS calls, as the API gateway does it: an IAM token in `X-Auth-Token`, or an AK/SK signature
 * in `Authorization` (+ `X-Sdk-Date`). Failures are gateway-shaped 401 APIGW.0301 with the documented messages.
 * AK lock-out (>N consecutive signature failures ⇒ locked for a while) uses the wall clock.
 */
import type { SignableRequest, SignatureFailure } from './aksk-verify';
import { verifySignature } from './aksk-verify';
import type { AccessKeyConfig, EmulatorConfig } from './config';
import { authError } from './errors';
import type { TokenService } from './iam';
import { formatIamTime } from './iam';

/** How a request authenticated. */
export type AuthMode = 'token' | 'aksk';

/** The authenticated caller. */
export interface AuthContext {
  mode: AuthMode;
  domainId: string;
  /** User name for token calls (never the AK: access keys are not logged). */
  userName?: string;
}

const SIGNATURE_DETAILS: Record<Exclude<SignatureFailure, 'unknown-ak'>, string> = {
  'malformed-authorization': 'malformed authorization header',
  'missing-date': 'x-sdk-date not found',
  'date-out-of-range': 'x-sdk-date is out of the allowed range',
  'missing-signed-header': 'a signed header is missing from the request',
  'payload-hash-mismatch': 'x-sdk-content-sha256 does not match the body',
  'signature-mismatch': 'signature mismatch',
};

interface LockState {
  failures: number;
  lockedUntil: number;
}

/** Authenticates OMS requests against the configuration and the token service. */
export class Authenticator {
  private readonly locks = new Map<string, LockState>();

  constructor(
    private readonly config: EmulatorConfig,
    private readonly tokens: TokenService,
  ) {}

  /**
   * Authenticates `request` for `projectId` (the path's project; undefined for the version APIs). Throws the
   * gateway 401 on failure.
   */
  authenticate(request: SignableRequest, projectId: string | undefined, nowWallMs: number): AuthContext {
    const headerProject = request.headers['x-project-id']?.[0];
    const token = request.headers['x-auth-token']?.[0];
    if (token !== undefined) {
      const check = this.tokens.verify(token.trim(), nowWallMs);
      if (!check.ok) {
        if (check.reason === 'malformed') throw authError('decrypt token fail');
        throw authError(`token expires, expires_at: ${formatIamTime(check.expiresAt)}`);
      }
      const claims = check.claims;
      if (projectId !== undefined && claims.projectId !== projectId) {
        throw authError('the project of the token does not match the project in the request URI');
      }
      if (headerProject !== undefined && headerProject !== (projectId ?? claims.projectId)) {
        throw authError('x-project-id does not match the project of the request');
      }
      return { mode: 'token', domainId: claims.domainId, userName: claims.userName };
    }
    const authorization = request.headers.authorization?.[0];
    if (authorization === undefined || !authorization.trim().startsWith('SDK-HMAC-SHA256')) {
      throw authError('x-auth-token not found');
    }
    return this.authenticateSigned(request, projectId, headerProject, nowWallMs);
  }

  /** Forgets lock-outs and failure counts (admin reset). */
  resetLockouts(): void {
    this.locks.clear();
  }

  private authenticateSigned(
    request: SignableRequest,
    projectId: string | undefined,
    headerProject: string | undefined,
    nowWallMs: number,
  ): AuthContext {
    const keys = this.config.accessKeys;
    const result = verifySignature(request, {
      secretFor: (ak) => keys.find((k) => k.ak === ak)?.sk,
      nowMs: nowWallMs,
      maxSkewMs: this.config.auth.sdkDateSkewMs,
    });
    const ak = result.accessKey;
    const lock = ak === undefined ? undefined : this.locks.get(ak);
    if (lock && lock.lockedUntil > nowWallMs) {
      throw authError('AK access failed to reach the limit,forbidden.');
    }
    if (!result.ok) {
      if (result.reason === 'unknown-ak') throw authError('Get secretKey failed,ak:******,err:ak not exist');
      if (ak !== undefined) this.recordFailure(ak, nowWallMs);
      throw authError(`verify aksk signature fail, ${SIGNATURE_DETAILS[result.reason]}`);
    }
    const key = keys.find((k) => k.ak === result.accessKey) as AccessKeyConfig;
    if (key.securityToken !== undefined && request.headers['x-security-token']?.[0] !== key.securityToken) {
      this.recordFailure(key.ak, nowWallMs);
      throw authError('verify aksk signature fail, x-security-token is missing or invalid');
    }
    this.locks.delete(key.ak);
    const domain = this.config.iam.domains.find((d) => d.id === key.domainId);
    const owns = (id: string): boolean => domain?.projects.some((p) => p.id === id) ?? false;
    const effectiveProject = projectId ?? headerProject;
    if (headerProject !== undefined && projectId !== undefined && headerProject !== projectId) {
      throw authError('x-project-id does not match the project of the request');
    }
    if (effectiveProject !== undefined && !owns(effectiveProject)) {
      throw authError('the project in the request does not belong to the account of the AK');
    }
    return { mode: 'aksk', domainId: key.domainId };
  }

  private recordFailure(ak: string, nowWallMs: number): void {
    const state = this.locks.get(ak) ?? { failures: 0, lockedUntil: 0 };
    state.failures += 1;
    if (state.failures > this.config.auth.lockoutThreshold) {
      state.lockedUntil = nowWallMs + this.config.auth.lockoutDurationMs;
      state.failures = 0;
    }
    this.locks.set(ak, state);
  }
}
