/**
 * How a failed request is logged, the same on every surface: a server fault (5xx) at error level
 * with the error and its stack; a client's mistake (4xx) at info, as one line with its status,
 * code and message, no stack (it is not Parley's fault, and a noisy client must not bury faults).
 */

import type { FastifyRequest } from 'fastify';
import type { ClientError } from './client-error.ts';

export function logFailure(
  request: FastifyRequest,
  error: unknown,
  clientError: ClientError,
  what: string,
): void {
  if (clientError.status >= 500) request.log.error({ err: error }, what);
  else
    request.log.info(
      { status: clientError.status, code: clientError.code, reason: clientError.message },
      'client error',
    );
}
