/**
 * How a failed request is logged, the same on every surface: a server fault (5xx) at error level
 * with the error and its stack; a client's mistake (4xx) at info, as one line with its status,
 * code and message, no stack (it is not Parley's fault, and a noisy client must not bury faults).
 * A 503 that only passes on an outage logged where it is found (Redis down: one error line when
 * the connection drops, one warning per refused request in `limits.ts`) is not logged again.
 */

import type { FastifyRequest } from 'fastify';
import type { ClientError } from './client-error.ts';

/** Codes of answers that report an outage already logged, not a fault of this request. */
const OUTAGES_LOGGED_ELSEWHERE = new Set(['LIMITS_UNAVAILABLE']);

export function logFailure(
  request: FastifyRequest,
  error: unknown,
  clientError: ClientError,
  what: string,
): void {
  if (clientError.status >= 500 && !OUTAGES_LOGGED_ELSEWHERE.has(clientError.code))
    request.log.error({ err: error }, what);
  else
    request.log.info(
      { status: clientError.status, code: clientError.code, reason: clientError.message },
      clientError.status >= 500 ? 'service unavailable' : 'client error',
    );
}
