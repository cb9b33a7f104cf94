/**
 * The seed surface as one Fastify plugin: its routes and its error shape,
 * `{"code": 1, "msg": "..."}` with a real HTTP status.
 */

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ConversationCore } from '../../conversations/core.ts';
import { type ClientError, toClientError } from '../client-error.ts';
import type { TypedApp } from '../typed-app.ts';
import { registerAskRoute } from './ask-route.ts';
import { registerConversationRoutes } from './conversation-routes.ts';
import { logFailure } from '../log-failure.ts';

export type SeedApp = TypedApp;

/** Sends a seed-shaped error. */
export function sendSeedError(reply: FastifyReply, clientError: ClientError): FastifyReply {
  if (clientError.retryAfterSeconds !== undefined) reply.header('retry-after', clientError.retryAfterSeconds);
  return reply.code(clientError.status).send({ code: 1, msg: clientError.message });
}

export async function seedRoutes(app: FastifyInstance, options: { conversations: ConversationCore }) {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.setErrorHandler((error, request, reply) => {
    const clientError = toClientError(error);
    logFailure(request, error, clientError, 'seed route failed');
    return sendSeedError(reply, clientError);
  });
  registerAskRoute(typed, options.conversations);
  registerConversationRoutes(typed, options.conversations);
}
