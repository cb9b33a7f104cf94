/**
 * Applies the caller's limits to the routes that call a model, after the body is validated and
 * before any upstream call. Admitted requests get the `x-ratelimit-*` headers; refused ones a 429
 * in the surface's shape, with `retry-after`.
 */

import type { FastifyInstance } from 'fastify';
import { type Limiter, RateLimitError } from '../access/limiter.ts';
import { sendSurfaceError } from './surface-errors.ts';

/** The routes that generate, as `METHOD url-pattern`. */
const GENERATING_ROUTES = new Set([
  'POST /ask',
  'POST /v1/chat/completions',
  'POST /v1/responses',
  'POST /api/conversations/:id/messages',
  'POST /api/conversations/:id/messages/:messageId/regenerate',
  'POST /api/conversations/:id/messages/:messageId/edit',
  'POST /api/conversations/:id/messages/:messageId/continue',
]);

export function registerLimits(
  app: FastifyInstance,
  limiter: Limiter,
  onRejected: (limit: RateLimitError['limit']) => void = () => {},
): void {
  app.addHook('preHandler', async (request, reply) => {
    if (!GENERATING_ROUTES.has(`${request.method} ${request.routeOptions.url ?? ''}`)) return;
    const streaming = (request.body as { stream?: unknown } | undefined)?.stream === true;
    try {
      const admission = await limiter.admit(request.principal, streaming);
      reply.headers(admission.headers);
      reply.raw.once('close', () => void admission.release());
    } catch (error) {
      if (!(error instanceof RateLimitError)) throw error;
      onRejected(error.limit);
      reply.headers(error.headers);
      return sendSurfaceError(request, reply, error);
    }
  });
}
