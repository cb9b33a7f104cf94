/**
 * `GET /api/audit` (admins): the log of admin actions, newest first, in pages (`before` is the
 * last id of the previous page). `recordAudit` is how routes write to it.
 */

import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AccessServices } from '../../access/access-services.ts';
import type { AuditTarget } from '../../access/audit.ts';
import type { UserRecord } from '../../store/access-store.ts';
import { type NativeApp, requireAdmin } from './native-app.ts';

const AuditQuery = Type.Object(
  {
    before: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
  },
  { additionalProperties: false },
);

const AuditEntryObject = Type.Object({
  id: Type.Integer(),
  object: Type.Literal('audit_entry'),
  actor_id: Type.Union([Type.String(), Type.Null()]),
  actor_name: Type.String(),
  action: Type.String(),
  target_type: Type.Union([Type.String(), Type.Null()]),
  target_id: Type.Union([Type.String(), Type.Null()]),
  details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  address: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.Integer(),
});

/** Records what the request's principal did, from the request's address. */
export function recordAudit(
  access: AccessServices,
  request: FastifyRequest,
  action: string,
  target: AuditTarget | null,
  details: Readonly<Record<string, unknown>> | null = null,
): Promise<void> {
  return access.audit.record(request.principal, action, target, details, request.ip);
}

/** Records that the request's principal created `user` (what the log keeps: never a password). */
export function recordUserCreated(
  access: AccessServices,
  request: FastifyRequest,
  user: UserRecord,
  how: Readonly<Record<string, unknown>>,
): Promise<void> {
  return recordAudit(
    access,
    request,
    'user.create',
    { type: 'user', id: user.id },
    {
      name: user.name,
      role: user.role,
      email: user.email,
      ...how,
    },
  );
}

export function registerAuditRoutes(app: NativeApp, access: AccessServices): void {
  app.get(
    '/audit',
    {
      schema: {
        summary: 'The audit log of admin actions, newest first (admins)',
        tags: ['users'],
        querystring: AuditQuery,
        response: {
          200: Type.Object({
            object: Type.Literal('list'),
            data: Type.Array(AuditEntryObject),
            has_more: Type.Boolean(),
          }),
        },
      },
    },
    async (request) => {
      requireAdmin(request);
      const limit = Math.min(Math.max(Number(request.query.limit ?? 50), 1), 200);
      const entries = await access.audit.list({
        limit: limit + 1,
        ...(request.query.before === undefined ? {} : { before: Number(request.query.before) }),
      });
      return {
        object: 'list' as const,
        data: entries.slice(0, limit).map((entry) => ({
          id: entry.id,
          object: 'audit_entry' as const,
          actor_id: entry.actorId,
          actor_name: entry.actorName,
          action: entry.action,
          target_type: entry.targetType,
          target_id: entry.targetId,
          details: entry.details === null ? null : (JSON.parse(entry.details) as Record<string, unknown>),
          address: entry.address,
          created_at: Math.floor(entry.createdAt / 1000),
        })),
        has_more: entries.length > limit,
      };
    },
  );
}
