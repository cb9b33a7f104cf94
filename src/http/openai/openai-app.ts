/**
 * The OpenAI-compatible surface under `/v1` as one Fastify plugin: models, chat completions,
 * responses and conversations, in OpenAI's error shape.
 */

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Completions } from '../../conversations/completions.ts';
import type { ConversationCore } from '../../conversations/core.ts';
import type { ModelRegistry } from '../../providers/registry.ts';
import type { TypedApp } from '../typed-app.ts';
import { attachmentBodyLimit } from '../collect-attachment.ts';
import { registerChatCompletionsRoute } from './chat-completions-route.ts';
import { registerConversationsRoutes } from './conversations-routes.ts';
import { assertInlineBytesFit } from './media-parts.ts';
import { registerModelsRoutes } from './models-routes.ts';
import { notFoundError, sendOpenAIError } from './openai-errors.ts';
import { registerResponsesRoutes } from './responses-routes.ts';
import { UpstreamModelLists } from './upstream-model-lists.ts';

export type OpenAIApp = TypedApp;

/** The routes (below `/v1`) that take image, file and audio parts. */
const ATTACHMENT_ROUTES = new Set([
  '/chat/completions',
  '/responses',
  '/conversations',
  '/conversations/:id/items',
]);

export interface OpenAIRoutesOptions {
  readonly conversations: ConversationCore;
  readonly completions: Completions;
  /** Where the upstreams' own model lists come from. */
  readonly models: Pick<ModelRegistry, 'listProviderModels'>;
  /** The body limit, and the largest image or file a request may carry inline (decoded bytes). */
  readonly limits: { readonly bodyLimitBytes: number; readonly maxAttachmentBytes: number };
}

export async function openaiRoutes(app: FastifyInstance, options: OpenAIRoutesOptions) {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.setErrorHandler((error, request, reply) => sendOpenAIError(request, reply, error));
  // The routes whose bodies may carry images, files and audio inline get room for the largest
  // allowed, and a 413 over it, as the native message routes do.
  const bodyLimit = attachmentBodyLimit(options.limits);
  typed.addHook('onRoute', (route) => {
    const path = route.url.slice(route.prefix.length);
    if ([route.method].flat().includes('POST') && ATTACHMENT_ROUTES.has(path)) route.bodyLimit ??= bodyLimit;
  });
  // A callback hook, with no walk when the body is shorter than the limit: inline bytes are base64
  // (4 characters for 3 bytes), so no part of a shorter body can be over it.
  typed.addHook('preHandler', (request, _reply, done) => {
    const { maxAttachmentBytes } = options.limits;
    if (request.body === undefined || Number(request.headers['content-length']) < maxAttachmentBytes)
      return done();
    try {
      assertInlineBytesFit(request.body, maxAttachmentBytes);
    } catch (error) {
      return done(error as Error);
    }
    done();
  });
  typed.setNotFoundHandler((request, reply) =>
    sendOpenAIError(
      request,
      reply,
      notFoundError('route', `${request.method} ${request.url.split('?', 1)[0]}`),
    ),
  );
  const upstreamLists = new UpstreamModelLists(options.models, (provider, error) =>
    app.log.warn(
      { err: error, provider },
      'an upstream model list could not be read; /v1/models leaves it out',
    ),
  );
  registerModelsRoutes(typed, options.completions, upstreamLists);
  registerChatCompletionsRoute(typed, options.completions);
  registerResponsesRoutes(typed, options.conversations);
  registerConversationsRoutes(typed, options.conversations);
}
