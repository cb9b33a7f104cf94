/**
 * `/api/me`: who the caller is (through a key, a session, or the local user of an open server),
 * their password change (which ends their other sessions), and their live sessions.
 */

import { Type } from 'typebox';
import type { AccessServices } from '../../access/access-services.ts';
import { checkPassword, hashPassword, verifyPassword } from '../../access/passwords.ts';
import { badRequest, ParleyError } from '../../errors.ts';
import { recordAudit } from './audit-routes.ts';
import type { NativeApp } from './native-app.ts';

const Me = Type.Object({
  object: Type.Literal('me'),
  id: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('user')]),
  /** How this request is authenticated. */
  via: Type.Union([Type.Literal('key'), Type.Literal('session'), Type.Literal('local')]),
  key_id: Type.Union([Type.String(), Type.Null()]),
  models: Type.Union([Type.Array(Type.String()), Type.Null()]),
});

const PasswordBody = Type.Object(
  {
    current_password: Type.Optional(Type.String({ maxLength: 1_000 })),
    new_password: Type.String({ maxLength: 1_000 }),
  },
  { additionalProperties: false },
);

export function registerMeRoutes(app: NativeApp, access: AccessServices): void {
  app.get(
    '/me',
    { schema: { summary: 'Who the caller is', tags: ['session'], response: { 200: Me } } },
    async (request) => {
      const principal = request.principal;
      return {
        object: 'me' as const,
        id: principal.userId,
        name: principal.name,
        role: principal.role,
        via:
          principal.keyId !== null
            ? ('key' as const)
            : principal.sessionId !== null
              ? ('session' as const)
              : ('local' as const),
        key_id: principal.keyId,
        models: principal.models === null ? null : [...principal.models],
      };
    },
  );

  app.post(
    '/me/password',
    {
      schema: {
        summary: "Change the caller's password (ends their other sessions)",
        tags: ['session'],
        body: PasswordBody,
        response: { 200: Type.Object({ object: Type.Literal('me'), sessions_ended: Type.Integer() }) },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (principal.userId === null) throw badRequest('the local user has no password: create a user first');
      const user = await access.users.get(principal.userId);
      if (user === undefined) throw new ParleyError('NOT_FOUND', 'no such user');
      const { current_password: current, new_password: next } = request.body;
      // A user who has a password proves they know it (a stolen session alone cannot change it).
      if (user.passwordHash !== null) {
        await access.loginGuard.check(user.name, request.ip);
        if (current === undefined || !(await verifyPassword(user.passwordHash, current))) {
          await access.loginGuard.failed(user.name, request.ip);
          throw new ParleyError('FORBIDDEN', 'the current password is wrong', { param: 'current_password' });
        }
      }
      checkPassword(next, 'new_password');
      await access.users.update(user.id, { passwordHash: await hashPassword(next) });
      let ended = 0;
      for (const session of await access.sessions.list(user.id)) {
        if (session.id !== principal.sessionId && (await access.sessions.end(session.id))) ended++;
      }
      await recordAudit(
        access,
        request,
        'user.password_change',
        { type: 'user', id: user.id },
        { sessions_ended: ended },
      );
      return { object: 'me' as const, sessions_ended: ended };
    },
  );

  app.get(
    '/me/sessions',
    {
      schema: {
        summary: "The caller's live browser sessions",
        tags: ['session'],
        response: {
          200: Type.Object({
            object: Type.Literal('list'),
            data: Type.Array(
              Type.Object({
                id: Type.String(),
                current: Type.Boolean(),
                address: Type.Union([Type.String(), Type.Null()]),
                user_agent: Type.Union([Type.String(), Type.Null()]),
                created_at: Type.Integer(),
                expires_at: Type.Integer(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const userId = request.principal.userId;
      const sessions = userId === null ? [] : await access.sessions.list(userId);
      return {
        object: 'list' as const,
        data: sessions.map((session) => ({
          id: session.id,
          current: session.id === request.principal.sessionId,
          address: session.address,
          user_agent: session.userAgent,
          created_at: Math.floor(session.createdAt / 1000),
          expires_at: Math.floor(session.expiresAt / 1000),
        })),
      };
    },
  );
}
