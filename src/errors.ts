/**
 * The one registry of Parley's error codes. Every failure a client can see is a `ParleyError`
 * created from this table; each HTTP surface renders it in its own shape (seed `{code, msg}`,
 * OpenAI `{error}`, native `{error: {code, message}}`).
 */

export const errorCodes = {
  BAD_REQUEST: { status: 400, type: 'invalid_request_error' },
  UNAUTHORIZED: { status: 401, type: 'authentication_error' },
  FORBIDDEN: { status: 403, type: 'permission_error' },
  NOT_FOUND: { status: 404, type: 'not_found_error' },
  CONFLICT: { status: 409, type: 'conflict_error' },
  RATE_LIMITED: { status: 429, type: 'rate_limit_error' },
  PAYLOAD_TOO_LARGE: { status: 413, type: 'invalid_request_error' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'invalid_request_error' },
  UNKNOWN_MODEL: { status: 400, type: 'invalid_request_error' },
  /** OpenAI's code for a model id it does not serve (`GET /v1/models/{id}`). */
  MODEL_NOT_FOUND: { status: 404, type: 'invalid_request_error' },
  /** OpenAI's code for a prompt longer than the model's window (when it may not be cut). */
  CONTEXT_LENGTH_EXCEEDED: { status: 400, type: 'invalid_request_error' },
  NO_PROVIDER: { status: 503, type: 'service_unavailable' },
  UPSTREAM_BAD_REQUEST: { status: 400, type: 'invalid_request_error' },
  UPSTREAM_RATE_LIMITED: { status: 429, type: 'rate_limit_error' },
  UPSTREAM_ERROR: { status: 502, type: 'upstream_error' },
  UPSTREAM_UNAVAILABLE: { status: 503, type: 'service_unavailable' },
  UPSTREAM_TIMEOUT: { status: 504, type: 'timeout_error' },
  CANCELLED: { status: 499, type: 'cancelled' },
  SHUTTING_DOWN: { status: 503, type: 'service_unavailable' },
  LIMITS_UNAVAILABLE: { status: 503, type: 'service_unavailable' },
  BUSY: { status: 503, type: 'service_unavailable' },
  INTERNAL: { status: 500, type: 'internal_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof errorCodes;

export interface ParleyErrorOptions {
  /** Seconds a client should wait, sent as `retry-after`. */
  readonly retryAfterSeconds?: number;
  /** The request parameter at fault, when there is one (OpenAI's `param`). */
  readonly param?: string;
  readonly cause?: unknown;
}

/** An error with a stable code, a status and a message that is safe to show a client. */
export class ParleyError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly retryAfterSeconds: number | undefined;
  readonly param: string | undefined;

  constructor(code: ErrorCode, message: string, options: ParleyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ParleyError';
    this.code = code;
    this.status = errorCodes[code].status;
    this.type = errorCodes[code].type;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.param = options.param;
  }
}

export const badRequest = (message: string, param?: string): ParleyError =>
  new ParleyError('BAD_REQUEST', message, param === undefined ? {} : { param });
export const notFound = (message: string): ParleyError => new ParleyError('NOT_FOUND', message);
