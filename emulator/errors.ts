/**
 * The three error body shapes of the emulated stack, and the error thrown inside handlers to produce them:
 * OMS service errors (`{error_code, error_msg, error_detail?}`), API gateway errors
 * (`{error_msg, error_code, request_id}`) and Keystone-style IAM errors (`{error:{code, message, title}}`).
 * Messages never contain request values (a value may be a secret); details name fields, not values.
 */

/** The OMS error codes the emulator emits, with their messages (docs/oms-api.md §9.2). */
export const OMS_ERROR_MESSAGES = {
  'OMS.0004': 'Invalid HTTP request.',
  'OMS.0054': 'Invalid task ID. Enter a valid task ID.',
  'OMS.0063': 'The task is being migrated and cannot be deleted. Pause the task first.',
  'OMS.0064': 'Invalid request parameters.',
  'OMS.0065': 'The task has already been started.',
  'OMS.0066': 'Failed to pause the task because it is not being migrated.',
  'OMS.0067': 'The parameter is not in JSON format.',
  'OMS.0070': 'The task has been completed and cannot be started or paused.',
  'OMS.0075': 'The number of tasks created in the past 24 hours has reached the upper limit.',
  'OMS.0076': 'The number of tasks in the waiting state has reached the upper limit.',
  'OMS.0078': 'The description contains special characters.',
  'OMS.0080': 'The destination region is not supported.',
  'OMS.0083': 'The number of traffic limiting policies exceeds the upper limit.',
  'OMS.0084': 'The maximum bandwidth is out of range.',
  'OMS.0085': 'The time periods of traffic limiting policies overlap.',
  'OMS.1001': 'Internal error.',
  'OMS.1009': 'No resources found.',
  'OMS.1032': 'The CDN authentication key is required.',
  'OMS.2004': 'The service is unavailable.',
} as const;

/** An OMS error code the emulator knows. */
export type OmsErrorCode = keyof typeof OMS_ERROR_MESSAGES;

/** A response body plus status, thrown by handlers and turned into the HTTP answer by the server. */
export class EmulatorHttpError extends Error {
  override readonly name = 'EmulatorHttpError';

  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

/**
 * An OMS service error. `field` (a JSON path such as `src_node.bucket`) adds
 * `error_detail: "request parameter [field] invalid."`, as live OMS does for parameter errors.
 */
export function omsError(code: OmsErrorCode, field?: string, status = 400): EmulatorHttpError {
  const body: Record<string, unknown> = { error_code: code, error_msg: OMS_ERROR_MESSAGES[code] };
  if (field !== undefined) body.error_detail = `request parameter [${field}] invalid.`;
  return new EmulatorHttpError(status, body);
}

/** The OMS.0064 "invalid parameter" error naming `field`. */
export function invalidParameter(field: string): EmulatorHttpError {
  return omsError('OMS.0064', field);
}

/** The API gateway's body; `request_id` is filled in by the server when the answer is written. */
export function gatewayError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): EmulatorHttpError {
  return new EmulatorHttpError(status, { error_msg: message, error_code: code, request_id: '' }, headers);
}

/** Gateway 401 APIGW.0301 with `Incorrect IAM authentication information: ${reason}`. */
export function authError(reason: string): EmulatorHttpError {
  return gatewayError(401, 'APIGW.0301', `Incorrect IAM authentication information: ${reason}`);
}

/** Gateway 404 for unknown paths and methods. */
export function routeNotFound(): EmulatorHttpError {
  return gatewayError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment.');
}

/** Gateway 413 for bodies over the limit. */
export function entityTooLarge(): EmulatorHttpError {
  return gatewayError(413, 'APIGW.0201', 'Request entity too large.');
}

const KEYSTONE_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Request Entity Too Large',
};

/** A Keystone-shaped IAM error (`code` is an integer, unlike OMS's string codes). */
export function keystoneError(status: number, message: string): EmulatorHttpError {
  return new EmulatorHttpError(status, { error: { code: status, message, title: KEYSTONE_TITLES[status] ?? 'Error' } });
}
