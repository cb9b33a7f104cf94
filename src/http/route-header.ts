/**
 * `x-parley-route`: which deployments a routed model tried for this response, in order, e.g.
 * `openai-a;error=429, openai-b;ok` (`skipped`: cooling down). Set before the first byte of the
 * body, so streams carry it too.
 */

import type { FastifyReply } from 'fastify';
import type { RouteAttempt } from '../providers/spec.ts';

export const ROUTE_HEADER = 'x-parley-route';

export function formatAttempt(attempt: RouteAttempt): string {
  const detail = attempt.status ?? attempt.code;
  return `${attempt.deployment};${attempt.outcome}${attempt.outcome === 'error' && detail !== undefined ? `=${detail}` : ''}`;
}

/** A listener that keeps the header up to date until the response's headers are sent. */
export function routeHeaderReporter(reply: FastifyReply): (attempt: RouteAttempt) => void {
  const tried: string[] = [];
  return (attempt) => {
    tried.push(formatAttempt(attempt));
    if (!reply.raw.headersSent) reply.header(ROUTE_HEADER, tried.join(', '));
  };
}
