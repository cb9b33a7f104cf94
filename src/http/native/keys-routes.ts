/**
 * The key API: create (the secret is in this one answer only), list, change, revoke. A key acts as
 * its user. An admin creates keys for any user (`user_id`), or — naming no user, as programs did
 * before users existed — a key with a new user of its own (`role`, default `user`; on an open
 * server the first key's user is the first admin). A user without the admin role manages their own
 * keys only. Times are Unix seconds, as everywhere in Parley's JSON.
 */

import type { FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { AccessServices } from '../../access/access-services.ts';
import { keyHint, type NewKey } from '../../access/keys.ts';
import { badRequest, notFound, ParleyError } from '../../errors.ts';
import type { ApiKeyRecord, KeyLimits, UserRecord } from '../../store/access-store.ts';
import { recordAudit } from './audit-routes.ts';
import type { NativeApp } from './native-app.ts';

const Limit = Type.Integer({ minimum: 1, maximum: 1_000_000_000 });
const LimitsBody = Type.Object(
  {
    requests_per_minute: Type.Optional(Limit),
    tokens_per_minute: Type.Optional(Limit),
    tokens_per_day: Type.Optional(Limit),
    budget_per_day: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })),
    concurrent_streams: Type.Optional(Limit),
  },
  { additionalProperties: false },
);
const Models = Type.Union([
  Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100 }),
  Type.Null(),
]);
const Role = Type.Union([Type.Literal('admin'), Type.Literal('user')]);

const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    role: Type.Optional(Role),
    // Seconds; up to the end of year 9999, which both databases and JavaScript dates hold.
    expires_at: Type.Optional(
      Type.Union([Type.Integer({ minimum: 0, maximum: 253_402_300_799 }), Type.Null()]),
    ),
    models: Type.Optional(Models),
    limits: Type.Optional(LimitsBody),
  },
  { additionalProperties: false },
);

const UpdateKeyBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    models: Type.Optional(Models),
    limits: Type.Optional(LimitsBody),
  },
  { additionalProperties: false },
);

const KeyParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const ListQuery = Type.Object(
  { user_id: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);

const toSeconds = (milliseconds: number | null) =>
  milliseconds === null ? null : Math.floor(milliseconds / 1000);

type LimitsInput = Static<typeof LimitsBody>;

function toLimits(limits: LimitsInput): KeyLimits {
  return {
    ...(limits.requests_per_minute === undefined ? {} : { requestsPerMinute: limits.requests_per_minute }),
    ...(limits.tokens_per_minute === undefined ? {} : { tokensPerMinute: limits.tokens_per_minute }),
    ...(limits.tokens_per_day === undefined ? {} : { tokensPerDay: limits.tokens_per_day }),
    ...(limits.budget_per_day === undefined ? {} : { budgetPerDay: limits.budget_per_day }),
    ...(limits.concurrent_streams === undefined ? {} : { concurrentStreams: limits.concurrent_streams }),
  };
}

/** A key as the API shows it; `role` is the role of the user it acts as. */
export function toKeyObject(key: ApiKeyRecord, user: UserRecord | undefined) {
  return {
    id: key.id,
    object: 'api_key' as const,
    name: key.name,
    user_id: key.userId,
    user_name: user?.name ?? null,
    hint: keyHint(key.hint),
    role: user?.role ?? 'user',
    models: key.models,
    limits: {
      requests_per_minute: key.limits.requestsPerMinute ?? null,
      tokens_per_minute: key.limits.tokensPerMinute ?? null,
      tokens_per_day: key.limits.tokensPerDay ?? null,
      budget_per_day: key.limits.budgetPerDay ?? null,
      concurrent_streams: key.limits.concurrentStreams ?? null,
    },
    expires_at: toSeconds(key.expiresAt),
    created_at: toSeconds(key.createdAt),
    revoked_at: toSeconds(key.revokedAt),
  };
}

/** What the audit log keeps of a key: never its secret or hash. */
const keyDetails = (key: ApiKeyRecord) => ({
  name: key.name,
  user_id: key.userId,
  models: key.models,
  limits: key.limits,
  expires_at: key.expiresAt,
});

const isAdmin = (request: FastifyRequest) => request.principal.role === 'admin';

export function registerKeysRoutes(app: NativeApp, access: AccessServices): void {
  const { keys, users } = access;
  /** A key the caller may manage: any for an admin, their own for a user; else 404. */
  const manageable = async (request: FastifyRequest, id: string): Promise<ApiKeyRecord> => {
    const key = await keys.get(id);
    if (key === undefined || (!isAdmin(request) && key.userId !== request.principal.userId))
      throw notFound(`no key with id ${id}`);
    return key;
  };

  app.post(
    '/keys',
    { schema: { summary: 'Create an API key (shown once)', tags: ['keys'], body: CreateKeyBody } },
    async (request, reply) => {
      const body = request.body;
      const principal = request.principal;
      const input: NewKey = {
        name: body.name,
        ...(body.expires_at === undefined || body.expires_at === null
          ? {}
          : { expiresAt: body.expires_at * 1000 }),
        ...(body.models === undefined ? {} : { models: body.models }),
        limits: toLimits(body.limits ?? {}),
      };
      if (body.user_id !== undefined && body.role !== undefined)
        throw badRequest('a key acts as its user: set the role on the user, not the key', 'role');
      if (
        !isAdmin(request) &&
        (body.role !== undefined || (body.user_id ?? principal.userId) !== principal.userId)
      )
        throw new ParleyError('FORBIDDEN', 'only an admin makes keys for other users');
      const ownerId = body.user_id ?? (isAdmin(request) ? undefined : principal.userId);
      if (ownerId === undefined || ownerId === null) {
        // Naming no user: a key with a user of its own; the first one made on an open server is its admin.
        const role = body.role ?? (principal.userId === null ? 'admin' : 'user');
        const { user, key, secret } = await keys.createWithUser({ ...input, role });
        await recordAudit(
          access,
          request,
          'user.create',
          { type: 'user', id: user.id },
          { name: user.name, role },
        );
        await recordAudit(access, request, 'key.create', { type: 'key', id: key.id }, keyDetails(key));
        return reply.code(201).send({ ...toKeyObject(key, user), key: secret });
      }
      const user = await users.get(ownerId);
      if (user === undefined) throw notFound(`no user with id ${ownerId}`);
      const { key, secret } = await keys.create(user.id, input);
      await recordAudit(access, request, 'key.create', { type: 'key', id: key.id }, keyDetails(key));
      return reply.code(201).send({ ...toKeyObject(key, user), key: secret });
    },
  );

  app.get(
    '/keys',
    { schema: { summary: 'List API keys (an admin sees all)', tags: ['keys'], querystring: ListQuery } },
    async (request) => {
      const userId = isAdmin(request) ? request.query.user_id : (request.principal.userId ?? '');
      const byId = new Map((await users.list()).map((user) => [user.id, user]));
      const listed = await keys.list(userId);
      return { object: 'list', data: listed.map((key) => toKeyObject(key, byId.get(key.userId))) };
    },
  );

  app.patch(
    '/keys/:id',
    {
      schema: {
        summary: "Change a key's name, model allowlist or limits",
        tags: ['keys'],
        params: KeyParams,
        body: UpdateKeyBody,
      },
    },
    async (request) => {
      await manageable(request, request.params.id);
      if (!isAdmin(request)) throw new ParleyError('FORBIDDEN', 'only an admin changes keys');
      const body = request.body;
      const updated = await keys.update(request.params.id, {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.models === undefined ? {} : { models: body.models }),
        ...(body.limits === undefined ? {} : { limits: toLimits(body.limits) }),
      });
      if (updated === undefined) throw notFound(`no key with id ${request.params.id}`);
      await recordAudit(access, request, 'key.update', { type: 'key', id: updated.id }, keyDetails(updated));
      return toKeyObject(updated, await users.get(updated.userId));
    },
  );

  app.delete(
    '/keys/:id',
    { schema: { summary: 'Revoke an API key', tags: ['keys'], params: KeyParams } },
    async (request) => {
      await manageable(request, request.params.id);
      if (!(await keys.revoke(request.params.id))) throw notFound(`no live key with id ${request.params.id}`);
      await recordAudit(access, request, 'key.revoke', { type: 'key', id: request.params.id });
      return { id: request.params.id, object: 'api_key', revoked: true };
    },
  );
}
