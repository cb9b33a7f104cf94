/**
 * Builds the HTTP app around a conversation core it receives (`server.ts` builds the core with
 * `createCore()`), without listening: routes, access, limits, health, metrics, the web UI.
 */

import { readFileSync } from 'node:fs';
import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { type AccessServices, bootstrapAdminUser, openAccess } from './access/access-services.ts';
import { DEFAULT_LOGIN_LIMITS } from './access/login-guard.ts';
import type { KeyService } from './access/keys.ts';
import { MemoryLimitStore } from './access/limit-store.ts';
import type { Openness } from './access/openness.ts';
import type { UserService } from './access/users.ts';
import { Limiter } from './access/limiter.ts';
import { type Config, isLoopbackHost } from './config/config.ts';
import type { ConversationCore } from './conversations/core.ts';
import type { UsageRecorder } from './conversations/usage-recorder.ts';
import { registerAuth } from './http/auth.ts';
import { registerBrowserGuard } from './http/browser-guard.ts';
import { toClientError } from './http/client-error.ts';
import { answerFrameworkError } from './http/framework-errors.ts';
import { registerJsonParser } from './http/json-body.ts';
import { registerNulGuard } from './http/nul-characters.ts';
import { registerBodyTimeout } from './http/body-timeout.ts';
import { lazyValidators } from './http/lazy-validators.ts';
import { registerLimits } from './http/limits.ts';
import { nativeRoutes } from './http/native/native-app.ts';
import { openaiRoutes } from './http/openai/openai-app.ts';
import { healthRoutes } from './http/ops/health-routes.ts';
import { type Metrics, metricsRoutes } from './http/ops/metrics.ts';
import { registerOpenApi } from './http/ops/openapi.ts';
import { seedRoutes } from './http/seed/seed-app.ts';
import { webRoutes } from './http/web/web-routes.ts';
import { limitConnectionOptions, RedisLimitStore } from './infra/redis-limit-store.ts';
import type { ModelRegistry } from './providers/registry.ts';
import type { Store } from './store/store.ts';
import { logFailure } from './http/log-failure.ts';

const PARLEY_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

export interface AppDependencies {
  readonly config: Config;
  readonly store: Store;
  readonly models: ModelRegistry;
  /** The conversation core from `createCore()` and what it runs on (`server.ts` builds them). */
  readonly services: CoreServices;
  /** The process's logger; absent: no log (tests). */
  readonly logger?: FastifyBaseLogger;
  /**
   * At close, how long generations still running without a client (background responses, streams
   * whose client left) may go on before they are stopped: the shutdown grace in `main.ts`, none
   * by default.
   */
  readonly runGraceMs?: number;
}

/** The state replicas share: one Redis connection, and how to log a connection's outages. */
export interface SharedState {
  readonly redis: Redis;
  logOutages(connection: Redis, consequence: string): Redis;
}

export interface CoreServices {
  readonly core: ConversationCore;
  readonly metrics: Metrics;
  readonly recorder: UsageRecorder;
  /** Present with Redis (several replicas). */
  readonly shared?: SharedState;
  /** Stops what runs beside the core (the reaper, the cancel listener). */
  stop(): void;
}

export interface ParleyApp {
  readonly app: FastifyInstance;
  /** Every route registered, as `{method, url}` (for tests and documentation). */
  readonly routes: readonly { readonly method: string; readonly url: string }[];
  readonly conversations: ConversationCore;
  readonly keys: KeyService;
  readonly users: UserService;
  /** Whether requests need credentials (see `access/openness.ts`). */
  readonly openness: Openness;
  /** Users, keys, sessions, the sign-in guard and the audit log. */
  readonly access: AccessServices;
  /** True with Redis: other servers may be generating, so only the reaper marks answers interrupted. */
  readonly sharedState: boolean;
  /** The Prometheus metrics (`main.ts` serves them on `PARLEY_METRICS_PORT` when set). */
  readonly metrics: Metrics;
}

/**
 * The limits get a Redis connection of their own that fails fast (no offline queue, a command
 * timeout), so a Redis fault answers a limited request 503 at once instead of hanging it.
 */
function limitStoreOn(shared: SharedState): RedisLimitStore {
  const connection = shared.redis.duplicate(limitConnectionOptions);
  return new RedisLimitStore(
    shared.logOutages(connection, 'requests with limited keys are answered 503 until it is back'),
  );
}

export async function buildApp(dependencies: AppDependencies): Promise<ParleyApp> {
  const { config, store, models } = dependencies;
  const app = Fastify({
    ...(dependencies.logger === undefined ? { logger: false } : { loggerInstance: dependencies.logger }),
    bodyLimit: config.bodyLimitBytes,
    // Wrong types are a 400, never silently coerced; query numbers are parsed by their routes.
    // Unknown fields are kept so schemas with `additionalProperties: false` can name them in a 400.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    // Each route's validator compiles on its first request: compiling them all was most of a start.
    schemaController: { compilersFactory: { buildValidator: lazyValidators() } },
    return503OnClosing: true,
    frameworkErrors: answerFrameworkError,
    // Behind a proxy that is trusted, the client's address and protocol come from X-Forwarded-*.
    trustProxy: config.access.trustProxy,
  });
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  registerJsonParser(app);
  registerNulGuard(app);
  registerBodyTimeout(app, config.requestTimeoutMs);
  await registerOpenApi(app, PARLEY_VERSION);
  // CORS is off unless origins are configured: browsers on other sites cannot call Parley by default.
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins.includes('*') ? true : [...config.corsOrigins],
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'last-event-id'],
      exposedHeaders: [
        'retry-after',
        'x-ratelimit-limit-requests',
        'x-ratelimit-remaining-requests',
        'x-ratelimit-reset-requests',
        'x-ratelimit-limit-tokens',
        'x-ratelimit-remaining-tokens',
        'x-ratelimit-reset-tokens',
      ],
      maxAge: 600,
    });
  }
  const { core: conversations, metrics, recorder, shared } = dependencies.services;

  app.setErrorHandler((error, request, reply) => {
    const clientError = toClientError(error);
    logFailure(request, error, clientError, 'request failed');
    return reply
      .code(clientError.status)
      .send({ error: { code: clientError.code, message: clientError.message } });
  });
  // The seed's clients are the only ones whose paths sit at the root: answer them in their shape.
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ code: 1, msg: `no route for ${request.method} ${request.url.split('?', 1)[0]}` }),
  );

  const access = await openAccess(store, {
    ...(config.keyHashSecret === undefined ? {} : { keyHashSecret: config.keyHashSecret }),
    authDisabled: config.authDisabled,
    sessionLifetimeMs: config.access.sessionLifetimeMs,
    loginLimits: { ...DEFAULT_LOGIN_LIMITS, windowMs: config.access.loginWindowMs },
    ...(config.access.oidc === undefined ? {} : { oidc: config.access.oidc }),
  });
  const { keys, users, openness } = access;
  if (config.adminKey !== undefined) await keys.bootstrapAdmin(config.adminKey);
  if (config.access.adminPassword !== undefined)
    await bootstrapAdminUser(access, config.access.adminUser, config.access.adminPassword);
  // On every answer, pages included: no MIME sniffing, no framing, no referrer leaks.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(SECURITY_HEADERS);
    done();
  });
  registerBrowserGuard(app, {
    openness,
    corsOrigins: config.corsOrigins,
    listensOnLoopback: isLoopbackHost(config.host),
    isLoopbackHost,
  });
  registerAuth(app, access);
  const limiter = new Limiter(shared === undefined ? new MemoryLimitStore() : limitStoreOn(shared), {
    slotTtlMs: config.replicaTtlMs,
    onError: (error) => app.log.warn({ err: error }, 'could not refresh or free a stream slot in Redis'),
  });
  recorder.onRecorded((usage) => {
    if (usage.keyId === null) return;
    limiter
      .addUsage(usage.keyId, usage.inputTokens + usage.outputTokens, usage.cost)
      .catch((error: unknown) => app.log.error({ err: error }, 'could not count tokens against limits'));
  });
  registerLimits(app, limiter, metrics.limitRejected);
  app.addHook('onResponse', metrics.onResponse);
  await app.register(healthRoutes, {
    checks: {
      database: async () => {
        try {
          await store.ping();
          return true;
        } catch {
          return false;
        }
      },
      ...(shared === undefined ? {} : { redis: async () => (await shared.redis.ping()) === 'PONG' }),
    },
  });
  await app.register(metricsRoutes, { metrics });
  await app.register(seedRoutes, { conversations });
  await app.register(nativeRoutes, {
    prefix: '/api',
    access,
    conversations,
    limits: { bodyLimitBytes: config.bodyLimitBytes, maxAttachmentBytes: config.maxAttachmentBytes },
  });
  await app.register(openaiRoutes, {
    prefix: '/v1',
    conversations,
    completions: conversations.completions,
    models,
    limits: { bodyLimitBytes: config.bodyLimitBytes, maxAttachmentBytes: config.maxAttachmentBytes },
  });
  await app.register(webRoutes);

  app.addHook('onClose', async () => {
    // The server takes no more requests by now; the runs going on without a client may finish
    // (still cancellable from other replicas, and still this replica's, whose heartbeat goes on).
    if (dependencies.runGraceMs !== undefined) await conversations.settled(dependencies.runGraceMs);
    dependencies.services.stop();
    conversations.shutdown();
    await recorder.flush();
    await limiter.close();
    // What the providers hold in the process (the embedded llama.cpp engines, if any were loaded).
    await models.shutdown?.();
  });
  return {
    app,
    conversations,
    keys,
    users,
    openness,
    access,
    routes,
    sharedState: shared !== undefined,
    metrics,
  };
}
