/**
 * The admin API for keys: create (the secret is in this one answer only), list, revoke.
 * Times are Unix seconds, as everywhere in Parley's JSON.
 */

import { Type } from 'typebox';
import type { KeyService } from '../../access/keys.ts';
import { notFound } from '../../errors.ts';
import type { ApiKeyRecord } from '../../store/store.ts';
import { type NativeApp, requireAdmin } from './native-app.ts';

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

const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('user')])),
    expires_at: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    models: Type.Optional(
      Type.Union([Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100 }), Type.Null()]),
    ),
    limits: Type.Optional(LimitsBody),
  },
  { additionalProperties: false },
);

const toSeconds = (milliseconds: number | null) =>
  milliseconds === null ? null : Math.floor(milliseconds / 1000);

export function toKeyObject(key: ApiKeyRecord) {
  return {
    id: key.id,
    object: 'api_key' as const,
    name: key.name,
    hint: key.hint,
    role: key.role,
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

export function registerKeysRoutes(app: NativeApp, keys: KeyService): void {
  app.post('/keys', { schema: { body: CreateKeyBody } }, async (request, reply) => {
    requireAdmin(request);
    const body = request.body;
    const limits = body.limits ?? {};
    const { key, secret } = await keys.create({
      name: body.name,
      ...(body.role === undefined ? {} : { role: body.role }),
      ...(body.expires_at === undefined || body.expires_at === null
        ? {}
        : { expiresAt: body.expires_at * 1000 }),
      ...(body.models === undefined ? {} : { models: body.models }),
      limits: {
        ...(limits.requests_per_minute === undefined
          ? {}
          : { requestsPerMinute: limits.requests_per_minute }),
        ...(limits.tokens_per_minute === undefined ? {} : { tokensPerMinute: limits.tokens_per_minute }),
        ...(limits.tokens_per_day === undefined ? {} : { tokensPerDay: limits.tokens_per_day }),
        ...(limits.budget_per_day === undefined ? {} : { budgetPerDay: limits.budget_per_day }),
        ...(limits.concurrent_streams === undefined ? {} : { concurrentStreams: limits.concurrent_streams }),
      },
    });
    return reply.code(201).send({ ...toKeyObject(key), key: secret });
  });

  app.get('/keys', async (request) => {
    requireAdmin(request);
    return { object: 'list', data: (await keys.list()).map(toKeyObject) };
  });

  app.delete(
    '/keys/:id',
    { schema: { params: Type.Object({ id: Type.String({ maxLength: 100 }) }) } },
    async (request) => {
      requireAdmin(request);
      if (!(await keys.revoke(request.params.id))) throw notFound(`no live key with id ${request.params.id}`);
      return { id: request.params.id, object: 'api_key', revoked: true };
    },
  );
}
