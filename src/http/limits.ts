/**
 * Applies the caller's limits to the routes that call a model, after the body is validated and
 * before any upstream call. Admitted requests get the `x-ratelimit-*` headers; refused ones a 429
 * in the surface's shape, with `retry-after`, and a 503 naming Redis when the counters cannot be
 * read.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Limiter, RateLimitError } from '../access/limiter.ts';
import { ParleyError } from '../errors.ts';
import { doneWhen } from './hook-done.ts';
import { heldBy, holdWhileHandled } from './limit-holds.ts';
import { sendSurfaceError } from './surface-errors.ts';

/** The routes that generate, as `METHOD url-pattern`. */
const GENERATING_ROUTES = new Set([
  'POST /ask',
  // A title is a generation too: the same limits, and its usage is recorded.
  'POST /conversation/:id/gen_title',
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
  app.decorateRequest('limitHolds', null);
  app.decorateRequest('handlerDone', null);
  // A generating route's handler ends its own hold on the limits when it returns or throws.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((method) => GENERATING_ROUTES.has(`${method} ${route.url}`))) return;
    const handler = route.handler;
    route.handler = async function heldHandler(this: FastifyInstance, request, reply) {
      try {
        return await handler.call(this, request, reply);
      } finally {
        request.handlerDone?.();
      }
    };
  });
  // A callback hook: requests that nothing limits (no key, or a route that does not generate)
  // pass without a promise.
  app.addHook('preHandler', (request, reply, done) => {
    if (request.principal.keyId === null) return done();
    if (!GENERATING_ROUTES.has(`${request.method} ${request.routeOptions.url ?? ''}`)) return done();
    doneWhen(admit(request, reply), done);
  });

  /**
   * Holds the request's share of the limits until it closes and what it started has ended; false
   * when it answered a 429 or a 503.
   */
  async function admit(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    // A background response runs on after its request like a stream: it holds a stream slot too.
    const body = request.body as { stream?: unknown; background?: unknown } | undefined;
    const streaming = body?.stream === true || body?.background === true;
    try {
      const admission = await limiter.admit(request.principal, streaming);
      reply.headers(admission.headers);
      holdWhileHandled(request);
      const release = () => void heldBy(request).then(admission.release);
      // The client may have left while the counters were read: its 'close' has been and gone.
      if (reply.raw.closed) release();
      else reply.raw.once('close', release);
      return true;
    } catch (error) {
      if (!(error instanceof ParleyError)) throw error;
      if (error instanceof RateLimitError) {
        onRejected(error.limit);
        reply.headers(error.headers);
      } else {
        // One line a request, no stack: the outage itself is logged once, as Redis drops.
        request.log.warn({ reason: errorText(error.cause) }, error.message);
      }
      sendSurfaceError(request, reply, error);
      return false;
    }
  }
}

const errorText = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));
