/**
 * Turns anything a route can throw into what a client may see: a status, a stable code and a safe
 * message. Fastify's own errors (bad JSON, body too large, schema validation) become 4xx; an
 * unexpected error becomes a 500 whose message says nothing of the internals.
 */

import { type ErrorCode, errorCodes, ParleyError } from '../errors.ts';

export interface ClientError {
  readonly status: number;
  readonly code: ErrorCode;
  readonly type: string;
  readonly message: string;
  readonly retryAfterSeconds?: number;
}

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  validation?: unknown;
  validationContext?: unknown;
  message?: unknown;
}

const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
};

export function toClientError(error: unknown): ClientError {
  if (error instanceof ParleyError) {
    return {
      status: error.status,
      code: error.code,
      type: error.type,
      message: error.message,
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    };
  }
  const candidate = (typeof error === 'object' && error !== null ? error : {}) as FastifyLikeError;
  const message = typeof candidate.message === 'string' ? candidate.message : 'bad request';
  if (candidate.validation !== undefined) {
    return fromCode('BAD_REQUEST', `invalid request: ${message}`);
  }
  const fastifyCode = typeof candidate.code === 'string' ? FASTIFY_CODES[candidate.code] : undefined;
  if (fastifyCode === 'UNSUPPORTED_MEDIA_TYPE')
    return fromCode(fastifyCode, 'only JSON bodies are accepted: send content-type: application/json');
  if (fastifyCode !== undefined) return fromCode(fastifyCode, message);
  // A JSON body that does not parse reaches here as a SyntaxError with statusCode 400.
  if (error instanceof SyntaxError || candidate.statusCode === 400) {
    return fromCode('BAD_REQUEST', `the body is not valid JSON: ${message}`);
  }
  const status = typeof candidate.statusCode === 'number' ? candidate.statusCode : 500;
  if (status >= 400 && status < 500) return { ...fromCode('BAD_REQUEST', message), status };
  return fromCode('INTERNAL', 'internal server error');
}

function fromCode(code: ErrorCode, message: string): ClientError {
  return { status: errorCodes[code].status, code, type: errorCodes[code].type, message };
}
