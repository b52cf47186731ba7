/**
 * OBS access through Huawei's official SDK (`esdk-obs-nodejs`): the endpoint for a region, a client configured
 * the way this product needs it, and one error type for every OBS answer that is not a success.
 *
 * SDK settings chosen here (the SDK's own defaults differ):
 * - `ssl_verify: true` — the SDK does NOT verify TLS certificates unless told to;
 * - `max_retry_count: 0` — one retry layer, the Temporal retry policy;
 * - `signature: 'obs'` with `is_signature_negotiation: false` — OBS endpoints speak the OBS signature, and the
 *   negotiation would cost an extra request per bucket. An endpoint that is an IP address (the loopback
 *   emulator) makes the SDK address buckets path-style, and it then signs in the AWS V2 header flavour.
 */
import ObsClient from 'esdk-obs-nodejs';

/** Default OBS endpoint template (`{region}` is replaced by the bucket's region). */
export const DEFAULT_OBS_ENDPOINT = 'https://obs.{region}.myhuaweicloud.com';

/** The OBS endpoint of `region` from a template with a `{region}` placeholder (or a fixed endpoint). */
export function obsEndpointFor(template: string, region: string): string {
  return template.replace(/\{region\}/g, region).replace(/\/+$/, '');
}

/** What a client needs: where, and whose keys (resolved from a credential profile by the caller). */
export interface ObsClientOptions {
  /** Endpoint URL (`https://obs.cn-north-4.myhuaweicloud.com`, `http://127.0.0.1:port`). */
  endpoint: string;
  region: string;
  ak: string;
  sk: string;
  securityToken?: string;
  /** Per-request timeout, seconds (default 30). */
  timeoutSeconds?: number;
}

/** An OBS answer that is not a success, or a transport failure. Never carries a secret. */
export class ObsRequestError extends Error {
  override readonly name = 'ObsRequestError';

  constructor(
    /** SDK operation, e.g. `getObject`. */
    readonly operation: string,
    /** HTTP status, or 0 for a transport failure (connection refused, timeout, TLS). */
    readonly status: number,
    /** OBS error code (`NoSuchKey`, `AccessDenied`, `SignatureDoesNotMatch`, ...), or the transport error code. */
    readonly code: string,
    message: string,
    readonly bucket: string,
    readonly key?: string,
    readonly requestId?: string,
  ) {
    super(message);
  }

  /** Worth another attempt later: transport failures, 5xx, throttling and request-time skew. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429 || this.code === 'RequestTimeTooSkewed';
  }
}

/** A short, secret-free description of an SDK call's failure. */
function describe(status: number, code: string, message: string): string {
  if (status === 0) return `OBS could not be reached (${code}${message ? `: ${message}` : ''})`;
  return `OBS answered ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
}

/**
 * Runs one SDK call and returns its result, or throws {@link ObsRequestError} for a non-2xx answer or a transport
 * failure (the SDK resolves error answers, it only rejects on transport errors).
 */
export async function obsCall<T>(
  operation: string,
  target: { bucket: string; key?: string },
  call: () => Promise<ObsClient.Result<T>>,
): Promise<T> {
  let result: ObsClient.Result<T>;
  try {
    result = await call();
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    const code = typeof e.code === 'string' ? e.code : 'TransportError';
    const message = typeof e.message === 'string' ? e.message : String(err);
    throw new ObsRequestError(operation, 0, code, describe(0, code, message), target.bucket, target.key);
  }
  const msg = result.CommonMsg;
  if (msg.Status >= 300) {
    const code = msg.Code || `HTTP${msg.Status}`;
    throw new ObsRequestError(
      operation,
      msg.Status,
      code,
      describe(msg.Status, code, msg.Message),
      target.bucket,
      target.key,
      msg.RequestId || undefined,
    );
  }
  return result.InterfaceResult as T;
}

/**
 * A configured SDK client. The SDK finishes its set-up asynchronously after the constructor returns, so this
 * waits one macrotask before handing it out; the endpoint is checked first, as the SDK would otherwise reject
 * inside that set-up, where nobody can catch it.
 */
export async function createObsClient(options: ObsClientOptions): Promise<ObsClient> {
  let url: URL;
  try {
    url = new URL(options.endpoint);
  } catch {
    throw new Error('The OBS endpoint is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('The OBS endpoint must be http(s)');
  const client = new ObsClient({
    access_key_id: options.ak,
    secret_access_key: options.sk,
    ...(options.securityToken ? { security_token: options.securityToken } : {}),
    server: `${url.protocol}//${url.host}`,
    region: options.region,
    signature: 'obs',
    is_signature_negotiation: false,
    ssl_verify: true,
    max_retry_count: 0,
    timeout: options.timeoutSeconds ?? 30,
  });
  await new Promise<void>((resolve) => setImmediate(resolve));
  return client;
}

export type { ObsClient };
