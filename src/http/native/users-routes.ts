/**
 * `/api/users` (admins): list, create, read and change users — role, disabled (their keys and
 * sessions stop at once), name, email, a password reset (which ends their sessions). On an open
 * server the local user may create the first admin, from this machine only. Users are never
 * deleted. Every change is in the audit log.
 */

import { Type } from 'typebox';
import type { AccessServices } from '../../access/access-services.ts';
import { checkPassword, hashPassword } from '../../access/passwords.ts';
import { isLoopbackAddress } from '../../access/principal.ts';
import { USER_NAME_PATTERN } from '../../access/users.ts';
import { badRequest, notFound, ParleyError } from '../../errors.ts';
import type { UserPatch } from '../../store/access-store.ts';
import { recordAudit, recordUserCreated } from './audit-routes.ts';
import { type NativeApp, requireAdmin } from './native-app.ts';
import { toUserObject, UserObject } from './user-object.ts';

const Role = Type.Union([Type.Literal('admin'), Type.Literal('user')]);
const Name = Type.String({ minLength: 1, maxLength: 64, pattern: USER_NAME_PATTERN });
const Email = Type.Union([Type.String({ maxLength: 320, pattern: '^[^@\\s]+@[^@\\s]+$' }), Type.Null()]);

const CreateUserBody = Type.Object(
  {
    name: Name,
    role: Type.Optional(Role),
    password: Type.Optional(Type.String({ maxLength: 1_000 })),
    email: Type.Optional(Email),
  },
  { additionalProperties: false },
);

const UpdateUserBody = Type.Object(
  {
    name: Type.Optional(Name),
    role: Type.Optional(Role),
    email: Type.Optional(Email),
    disabled: Type.Optional(Type.Boolean()),
    /** A new password set by an admin (a reset): the user's sessions end. */
    password: Type.Optional(Type.String({ maxLength: 1_000 })),
  },
  { additionalProperties: false },
);

const UserParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

export function registerUsersRoutes(app: NativeApp, access: AccessServices): void {
  const { users } = access;

  app.get(
    '/users',
    {
      schema: {
        summary: 'List users (admins)',
        tags: ['users'],
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(UserObject) }) },
      },
    },
    async (request) => {
      requireAdmin(request);
      return { object: 'list' as const, data: (await users.list()).map(toUserObject) };
    },
  );

  app.post(
    '/users',
    {
      schema: {
        summary: 'Create a user (admins; the first admin from this machine while none exists)',
        tags: ['users'],
        body: CreateUserBody,
        response: { 201: UserObject },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const first = request.principal.userId === null;
      if (first && !isLoopbackAddress(request.ip))
        throw new ParleyError('FORBIDDEN', 'the first admin is created from this machine only');
      const body = request.body;
      if (body.password !== undefined) checkPassword(body.password);
      const user = await users.create({
        name: body.name,
        role: body.role ?? (first ? 'admin' : 'user'),
        ...(body.password === undefined ? {} : { passwordHash: await hashPassword(body.password) }),
        ...(body.email === undefined ? {} : { email: body.email }),
      });
      await recordUserCreated(access, request, user, { password: body.password !== undefined });
      return reply.code(201).send(toUserObject(user));
    },
  );

  app.get(
    '/users/:id',
    {
      schema: {
        summary: 'One user (admins)',
        tags: ['users'],
        params: UserParams,
        response: { 200: UserObject },
      },
    },
    async (request) => {
      requireAdmin(request);
      const user = await users.get(request.params.id);
      if (user === undefined) throw notFound(`no user with id ${request.params.id}`);
      return toUserObject(user);
    },
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        summary: 'Change a user: role, disabled, name, email, or reset the password (admins)',
        tags: ['users'],
        params: UserParams,
        body: UpdateUserBody,
        response: { 200: UserObject },
      },
    },
    async (request) => {
      requireAdmin(request);
      const id = request.params.id;
      const body = request.body;
      if (id === request.principal.userId && (body.disabled === true || body.role === 'user'))
        throw badRequest('an admin cannot disable or demote themselves: ask another admin');
      if (body.password !== undefined) checkPassword(body.password);
      const patch: UserPatch = {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.role === undefined ? {} : { role: body.role }),
        ...(body.email === undefined ? {} : { email: body.email }),
        ...(body.password === undefined ? {} : { passwordHash: await hashPassword(body.password) }),
      };
      let user = Object.keys(patch).length > 0 ? await users.update(id, patch) : await users.get(id);
      if (user === undefined) throw notFound(`no user with id ${id}`);
      if (body.disabled !== undefined) user = await users.setDisabled(id, body.disabled);
      if (body.password !== undefined) await access.sessions.endAll(id);
      await recordAudit(
        access,
        request,
        'user.update',
        { type: 'user', id },
        {
          ...(body.name === undefined ? {} : { name: body.name }),
          ...(body.role === undefined ? {} : { role: body.role }),
          ...(body.email === undefined ? {} : { email: body.email }),
          ...(body.disabled === undefined ? {} : { disabled: body.disabled }),
          ...(body.password === undefined ? {} : { password_reset: true }),
        },
      );
      return toUserObject(user);
    },
  );
}
