/**
 * Sends an error in the shape of the surface a request belongs to: OpenAI's under `/v1`, the
 * native `{error: {code, message}}` under `/api` and for operations, the seed's `{code: 1, msg}`
 * elsewhere. For failures outside any route's own handler (authentication, limits).
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import { toClientError } from './client-error.ts';
import { sendOpenAIError } from './openai/openai-errors.ts';
import { sendSeedError } from './seed/seed-app.ts';

export function sendSurfaceError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const path = request.url;
  if (path === '/v1' || path.startsWith('/v1/')) return sendOpenAIError(request, reply, error);
  const clientError = toClientError(error);
  if (path === '/api' || path.startsWith('/api/')) {
    if (clientError.retryAfterSeconds !== undefined)
      reply.header('retry-after', clientError.retryAfterSeconds);
    return reply
      .code(clientError.status)
      .send({ error: { code: clientError.code, message: clientError.message } });
  }
  return sendSeedError(reply, clientError);
}
