/**
 * The native API under `/api`: conversations and their operations, search, export and import,
 * keys and usage. Errors are `{"error": {"code", "message"}}` with the real status.
 */

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccessServices } from '../../access/access-services.ts';
import type { ConversationCore } from '../../conversations/core.ts';
import { ParleyError } from '../../errors.ts';
import { sendSurfaceError } from '../surface-errors.ts';
import type { TypedApp } from '../typed-app.ts';
import { registerAttachmentRoutes } from './attachment-routes.ts';
import { registerConversationWriteRoutes } from './conversation-writes-routes.ts';
import { registerNativeConversationRoutes } from './conversations-routes.ts';
import { registerAuditRoutes } from './audit-routes.ts';
import { registerKeysRoutes } from './keys-routes.ts';
import { registerMeRoutes } from './me-routes.ts';
import { registerOidcRoutes } from './oidc-routes.ts';
import { registerSessionRoutes } from './session-routes.ts';
import { registerUsersRoutes } from './users-routes.ts';
import { registerSearchRoutes } from './search-routes.ts';
import { registerTransferRoutes } from './transfer-routes.ts';
import { registerUsageRoutes } from './usage-routes.ts';
import { toClientError } from '../client-error.ts';
import { logFailure } from '../log-failure.ts';

export interface NativeRoutesOptions {
  readonly access: AccessServices;
  readonly conversations: ConversationCore;
  /** Request bodies: the usual limit, and the largest attachment a message may carry. */
  readonly limits: { readonly bodyLimitBytes: number; readonly maxAttachmentBytes: number };
}

/** Admin-only routes call this first. */
export function requireAdmin(request: FastifyRequest): void {
  if (request.principal.role !== 'admin') throw new ParleyError('FORBIDDEN', 'this needs an admin');
}

export async function nativeRoutes(app: FastifyInstance, options: NativeRoutesOptions) {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.setErrorHandler((error, request, reply) => {
    logFailure(request, error, toClientError(error), '/api request failed');
    return sendSurfaceError(request, reply, error);
  });
  typed.setNotFoundHandler((request, reply) =>
    sendSurfaceError(
      request,
      reply,
      new ParleyError('NOT_FOUND', `no route for ${request.method} ${request.url.split('?', 1)[0]}`),
    ),
  );
  registerKeysRoutes(typed, options.access);
  registerSessionRoutes(typed, options.access);
  if (options.access.singleSignOn !== null)
    registerOidcRoutes(typed, options.access, options.access.singleSignOn);
  registerMeRoutes(typed, options.access);
  registerUsersRoutes(typed, options.access);
  registerAuditRoutes(typed, options.access);
  registerUsageRoutes(typed, options.conversations);
  registerNativeConversationRoutes(typed, options.conversations);
  registerConversationWriteRoutes(typed, options.conversations, options.limits);
  registerAttachmentRoutes(typed, options.conversations);
  registerSearchRoutes(typed, options.conversations);
  registerTransferRoutes(typed, options.conversations, options.limits);
}

export type NativeApp = TypedApp;
