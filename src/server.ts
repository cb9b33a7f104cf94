/**
 * One server process, assembled: its logger, the state replicas share (Redis, when configured),
 * the metrics, the usage recorder and the conversation core from `createCore()` — then the HTTP
 * app (`app.ts`), which receives the core and only serves it. `main.ts` and the tests call
 * `createServer`; nothing here listens.
 */

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type Logger, type LoggerOptions, pino } from 'pino';
import { buildApp, type CoreServices, type ParleyApp } from './app.ts';
import type { Config } from './config/config.ts';
import { createCore } from './conversations/core.ts';
import { Reaper } from './conversations/reaper.ts';
import { packRunEvents, runEventCodec } from './conversations/run-event-packing.ts';
import { abandonedRunFailure, type RunEvent } from './conversations/runs.ts';
import { UsageRecorder } from './conversations/usage-recorder.ts';
import { Metrics } from './http/ops/metrics.ts';
import { RedisReplicaRegistry } from './infra/redis-replica-registry.ts';
import { RedisRunLog } from './infra/redis-run-log.ts';
import type { ModelRegistry } from './providers/registry.ts';
import type { Store } from './store/store.ts';

const CANCEL_CHANNEL = 'parley:cancel';

export interface ServerDependencies {
  readonly config: Config;
  readonly store: Store;
  readonly models: ModelRegistry;
  /** pino's options (`main.ts`), or false/absent for no log at all (tests). */
  readonly logger?: (LoggerOptions & { readonly stream?: NodeJS.WritableStream }) | false;
  /**
   * At close, how long generations still running without a client (background responses, streams
   * whose client left) may go on before they are stopped: the shutdown grace in `main.ts`, none
   * by default.
   */
  readonly runGraceMs?: number;
}

export async function createServer(dependencies: ServerDependencies): Promise<ParleyApp> {
  const { config, store, models } = dependencies;
  const log = createLogger(dependencies.logger);
  const services = await createCoreServices(config, store, models, log ?? pino({ enabled: false }));
  return buildApp({
    config,
    store,
    models,
    services,
    ...(log === undefined ? {} : { logger: log }),
    ...(dependencies.runGraceMs === undefined ? {} : { runGraceMs: dependencies.runGraceMs }),
  });
}

function createLogger(options: ServerDependencies['logger']): Logger | undefined {
  if (options === undefined || options === false) return undefined;
  const { stream, ...rest } = options;
  return stream === undefined ? pino(rest) : pino(rest, stream);
}

/** The core and what it runs on: shared state with several replicas, metrics, usage. */
async function createCoreServices(
  config: Config,
  store: Store,
  models: ModelRegistry,
  log: Logger,
): Promise<CoreServices> {
  // One Redis connection for the state replicas share (limits, run events), when configured.
  // The client is loaded only then: a single server does without its memory.
  const redis: Redis | undefined =
    config.redisUrl === undefined
      ? undefined
      : new (await import('ioredis')).Redis(config.redisUrl, {
          maxRetriesPerRequest: 2,
          enableOfflineQueue: true,
        });
  if (redis !== undefined)
    logOutages(redis, log, 'run events, heartbeats and readiness wait until it is back');
  const replicaId = randomUUID();
  const runLog =
    redis === undefined
      ? undefined
      : new RedisRunLog<RunEvent>(redis, {
          onError: (error) => log.error({ err: error }, 'could not copy run events to Redis'),
          pack: packRunEvents,
          codec: runEventCodec,
        });
  // Only the models configured become labels: any other name a client sends is `other`.
  const metrics = new Metrics(
    [models.defaultModel, ...(models.listed ?? [])].filter((name) => name !== undefined),
  );
  models.observeAttempts?.((route, attempt, index) => {
    metrics.upstreamAttempt(route, attempt, index);
    if (attempt.outcome === 'error') log.warn({ route, ...attempt }, 'a deployment of a route failed');
    else if (attempt.outcome === 'ok' && index > 0)
      log.info({ route, deployment: attempt.deployment, tries: index + 1 }, 'served after a retry');
  });
  const recorder = new UsageRecorder(
    store,
    (error) => log.error({ err: error }, 'could not record usage'),
    config.prices,
  );
  const core = createCore({
    store,
    models,
    replicaId,
    ...(runLog === undefined ? {} : { runLog }),
    ...(redis === undefined
      ? {}
      : {
          cancelElsewhere: async (answerId: string) => void (await redis.publish(CANCEL_CHANNEL, answerId)),
        }),
    observer: metrics,
    recorder,
    autoTitles: config.autoTitles,
    summaries: config.contextSummaries,
    context: {
      windows: config.contextWindows,
      knownWindow: (modelName: string) => models.contextWindow?.(modelName),
      ...(config.maxContextTokens === undefined ? {} : { maxContextTokens: config.maxContextTokens }),
    },
    flushIntervalMs: config.streamFlushIntervalMs,
    onStoreError: (error) => log.error({ err: error }, 'could not write an answer to the store'),
    onUpstreamSyncError: (error, upstreamConversationId) =>
      log.warn(
        { err: error, upstreamConversationId },
        'the upstream refused a title or delete of its copy of a conversation',
      ),
  });
  if (redis === undefined || runLog === undefined) return { core, metrics, recorder, stop: () => {} };

  // With shared state, each server finds the answers that a dead server left in progress.
  const reaper = new Reaper({
    store,
    registry: new RedisReplicaRegistry(redis, config.replicaTtlMs),
    replicaId,
    ttlMs: config.replicaTtlMs,
    abandonRun: (answerId) => runLog.abandon(answerId, abandonedRunFailure),
    onError: (error) => log.error({ err: error }, 'the reaper could not check for dead servers'),
  });
  reaper.start();
  // Cancels asked on another replica reach the one running the answer.
  const cancelSubscriber = logOutages(
    redis.duplicate(),
    log,
    'cancels asked on other servers wait until it is back',
  );
  cancelSubscriber.on('message', (_channel: string, answerId: string) => core.runs.cancelLocal(answerId));
  cancelSubscriber
    .subscribe(CANCEL_CHANNEL)
    .catch((error: unknown) => log.error({ err: error }, 'could not listen for cancels'));
  return {
    core,
    metrics,
    recorder,
    shared: { redis, logOutages: (connection, consequence) => logOutages(connection, log, consequence) },
    stop: () => {
      reaper.stop();
      cancelSubscriber.disconnect();
    },
  };
}

/** Logs a Redis connection's outages once each (not at every reconnect attempt), and its return. */
function logOutages(connection: Redis, log: Logger, consequence: string): Redis {
  let down = false;
  connection.on('error', (error: unknown) => {
    if (down) return;
    down = true;
    log.error({ err: error }, `Redis is unreachable: ${consequence}`);
  });
  connection.on('ready', () => {
    if (!down) return;
    down = false;
    log.info('Redis is reachable again');
  });
  return connection;
}
