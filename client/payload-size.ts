/**
 * Refused oversized starts: the Temporal server's payload or gRPC message limit is lower than the inputs the
 * validators allow. Shared by the migration, batch and schedule clients.
 */
import { jsonByteLength } from '../workflows/shared/validate-request';

/** Temporal's default payload limit (`limit.blobSize.error`), for messages. */
const TEMPORAL_DEFAULT_BLOB_LIMIT = '2 MB';

/**
 * The Temporal server refused to start a workflow because its input is larger than it accepts (its payload or
 * gRPC message limit). Valid requests stay far under Temporal's default limits, so this means a server configured
 * with a lower one. `bytes` is the input's size as JSON; `serverMessage` is the server's own words.
 */
export class PayloadTooLargeError extends Error {
  constructor(
    readonly workflowId: string,
    readonly bytes: number,
    readonly serverMessage: string,
    readonly boundBytes: number,
    options?: { cause?: unknown },
  ) {
    super(
      `Temporal refused to start ${workflowId}: its input is ${bytes} bytes of JSON, more than this server accepts ` +
        `(server: "${serverMessage}"). Temporal's default payload limit is ${TEMPORAL_DEFAULT_BLOB_LIMIT}, and the ` +
        `validator keeps inputs at or under ${boundBytes} bytes, so the server's limit (limit.blobSize.error) is ` +
        'lower than the default: raise it, or make the input smaller (e.g. a list file instead of a long object_key)',
      options,
    );
    this.name = 'PayloadTooLargeError';
  }
}

/** Server refusals of an oversized start: payload limit (INVALID_ARGUMENT) or gRPC message limit. */
const SIZE_REFUSALS = [/blob data size exceeds limit/i, /message larger than max/i, /message length too large/i];

/**
 * The server's message when `err` (or one of its causes) is a refusal of an oversized workflow start, e.g.
 * "Blob data size exceeds limit." or "grpc: received message larger than max (5000132 vs. 4194304)".
 */
export function payloadSizeRefusal(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const details = (current as { details?: unknown }).details;
    for (const text of [typeof details === 'string' ? details : undefined, current.message]) {
      if (text !== undefined && SIZE_REFUSALS.some((re) => re.test(text))) return text;
    }
    current = current.cause;
  }
  return undefined;
}

/** `err` as a {@link PayloadTooLargeError} when it is a size refusal of starting `workflowId` with `input`. */
export function asPayloadTooLarge(
  err: unknown,
  workflowId: string,
  input: unknown,
  boundBytes: number,
): PayloadTooLargeError | undefined {
  const refusal = payloadSizeRefusal(err);
  if (refusal === undefined) return undefined;
  return new PayloadTooLargeError(workflowId, jsonByteLength(input), refusal, boundBytes, { cause: err });
}
