/**
 * IAM v3 "obtain a user token with a password" (`POST /v3/auth/tokens`, SDK operation
 * KeystoneCreateUserTokenByPassword in the Huawei Cloud SDKs). The token is returned to the caller only: it never
 * enters an error message, and the password is scrubbed from any server text that is quoted.
 */
import type { Dispatcher } from 'undici';

import { isRecord } from '../../workflows/shared/is-record';
import { makeRedactor } from '../../workflows/shared/redact';
import { classifyResponse, headerValue, protocolError } from './classify';
import type { ClassifyContext } from './classify';
import { DEFAULT_HTTP_TIMEOUTS, defaultDispatcher, exchange } from './http';
import type { HttpTimeouts, RequestListener } from './http';
import type { IamPasswordAuthRequest } from './wire-types';

/** SDK operation name reported to `onRequest` and used in error messages. */
export const IAM_TOKEN_OPERATION = 'KeystoneCreateUserTokenByPassword';

/** An IAM token and its validity window. `token` is a bearer secret: never log it. */
export interface IamToken {
  /** The `X-Subject-Token` value, sent as `X-Auth-Token`. */
  token: string;
  /** `token.expires_at` (normally 24 h after issue). */
  expiresAt: Date;
  /** `token.issued_at`, or the time of the call when the body lacks it. */
  issuedAt: Date;
}

/** The account (domain) the IAM user belongs to: by name or by id. */
export type IamDomain = { domainName: string; domainId?: undefined } | { domainId: string; domainName?: undefined };

/** The project the token is scoped to (OMS URLs are per project): by id or by name (e.g. `cn-north-4`). */
export type IamProjectScope =
  { projectId: string; projectName?: undefined } | { projectName: string; projectId?: undefined };

/** Input of {@link fetchIamToken}. */
export type FetchIamTokenInput = IamDomain &
  IamProjectScope & {
    /** Base URL, e.g. `https://iam.myhuaweicloud.com` (a path prefix is kept). */
    iamEndpoint: string;
    /** IAM user name. */
    user: string;
    /** Login password. Secret. */
    password: string;
    /** Injected dispatcher (tests: `MockAgent`); defaults to the shared keep-alive agent. */
    dispatcher?: Dispatcher;
    /** Cancels the call; rejects with the signal's reason. */
    signal?: AbortSignal;
    /** undici headers/body timeouts. */
    timeouts?: HttpTimeouts;
    /** Called after the attempt with operation {@link IAM_TOKEN_OPERATION}. */
    onRequest?: RequestListener;
    /** Clock used when the body has no `issued_at`. */
    now?: () => Date;
  };

/**
 * Obtains a project-scoped IAM token with the password method (`?nocatalog=true`, so the body stays small).
 *
 * Throws `OmsAuthError` when IAM rejects the credentials (401/403), `OmsProtocolError` when the answer lacks
 * `X-Subject-Token` or a parsable `expires_at`, other `OmsApiError`s per the classification table, and a
 * `TypeError` for missing inputs.
 */
export async function fetchIamToken(input: FetchIamTokenInput): Promise<IamToken> {
  const body = buildPasswordAuthRequest(input);
  const context: ClassifyContext = {
    service: 'IAM',
    operation: IAM_TOKEN_OPERATION,
    redact: makeRedactor([input.password]),
  };
  const exchangeInput: Parameters<typeof exchange>[0] = {
    dispatcher: input.dispatcher ?? defaultDispatcher(),
    method: 'POST',
    url: `${input.iamEndpoint.replace(/\/+$/, '')}/v3/auth/tokens?nocatalog=true`,
    headers: { 'Content-Type': 'application/json;charset=utf8' },
    body: JSON.stringify(body),
    timeouts: { ...DEFAULT_HTTP_TIMEOUTS, ...input.timeouts },
    service: 'IAM',
    operation: IAM_TOKEN_OPERATION,
  };
  if (input.signal) exchangeInput.signal = input.signal;
  if (input.onRequest) exchangeInput.onRequest = input.onRequest;
  const res = await exchange(exchangeInput);
  const now = input.now?.() ?? new Date();
  context.now = now;

  if (res.statusCode < 200 || res.statusCode >= 300) {
    throw classifyResponse(res.statusCode, res.text, res.headers, context);
  }
  const token = headerValue(res.headers, 'x-subject-token');
  if (!token) throw protocolError('response has no X-Subject-Token header', res.statusCode, res.headers, context);

  let parsed: unknown;
  try {
    parsed = JSON.parse(res.text);
  } catch {
    throw protocolError('response body is not valid JSON', res.statusCode, res.headers, context);
  }
  const tokenBody = isRecord(parsed) && isRecord(parsed.token) ? parsed.token : undefined;
  const expiresAt = parseIamTime(tokenBody?.expires_at);
  if (!expiresAt) throw protocolError('response has no valid token.expires_at', res.statusCode, res.headers, context);
  const issuedAt = parseIamTime(tokenBody?.issued_at) ?? now;
  return { token, expiresAt, issuedAt };
}

/** Builds the password-method request body; throws `TypeError` when a required input is empty. */
export function buildPasswordAuthRequest(input: FetchIamTokenInput): IamPasswordAuthRequest {
  if (!input.user) throw new TypeError('fetchIamToken: user is required');
  if (!input.password) throw new TypeError('fetchIamToken: password is required');
  const domain = input.domainName ? { name: input.domainName } : input.domainId ? { id: input.domainId } : undefined;
  if (!domain) throw new TypeError('fetchIamToken: domainName or domainId is required');
  const project = input.projectId
    ? { id: input.projectId }
    : input.projectName
      ? { name: input.projectName }
      : undefined;
  if (!project) throw new TypeError('fetchIamToken: projectId or projectName is required');
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: input.user, password: input.password, domain } } },
      scope: { project },
    },
  };
}

// IAM times look like 2020-01-04T09:05:22.701000Z (microseconds); Date.parse accepts them in V8.
function parseIamTime(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
