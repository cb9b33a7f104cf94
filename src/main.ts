/**
 * Starts Parley: reads the config, opens the store, wires the app and listens. Everything here is
 * wiring; the server is assembled in `server.ts`.
 */

import { listenForMetrics } from './http/ops/metrics-listener.ts';
import { type Config, ConfigError, isLoopbackHost, loadConfig } from './config/config.ts';
import { createModelRegistry, type ModelRegistry, providerVariableProblems } from './providers/registry.ts';
import { createServer } from './server.ts';
import {
  describeStoreLocation,
  type OpenedStore,
  openStore,
  StoreLocationError,
} from './store/open-store.ts';

/** After the grace (PARLEY_SHUTDOWN_GRACE_MS), the process gets this much longer to exit cleanly. */
const SHUTDOWN_EXIT_MARGIN_MS = 2_000;

/** The config, and the model registry whose providers read their own variables from it. */
function readConfig(): { config: Config; models: ModelRegistry } {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    // The providers read their variables after the config: their bad ones go in the same message.
    return stopOn(error, providerVariableProblems(process.env));
  }
  try {
    return { config, models: createModelRegistry(config) };
  } catch (error) {
    return stopOn(error);
  }
}

/** Ends the start with one message naming every bad variable (or rethrows what is not a config error). */
function stopOn(error: unknown, moreProblems: readonly string[] = []): never {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`parley: ${new ConfigError([...error.problems, ...moreProblems]).message}\n`);
  process.exit(1);
}

/** Opens the database, or stops with a message when its location cannot be right. */
async function openDatabase(config: Config): Promise<OpenedStore> {
  try {
    return await openStore(config.database);
  } catch (error) {
    if (!(error instanceof StoreLocationError)) throw error;
    process.stderr.write(`parley: ${error.message}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const { config, models } = readConfig();
  const { store, created } = await openDatabase(config);
  const { app, conversations, openness, sharedState, metrics } = await createServer({
    config,
    store,
    models,
    // A stop's grace runs from the signal: `stop` below ends every generation when it is over.
    runGraceMs: config.shutdownGraceMs,
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    },
  });
  const database = describeStoreLocation(config.database);
  app.log.info(
    { database, created },
    config.database.kind === 'sqlite'
      ? `database: SQLite file ${database} (${created ? 'created just now' : 'existing'})`
      : `database: PostgreSQL at ${database} (${created ? "Parley's tables created just now" : 'existing tables'})`,
  );

  if (!isLoopbackHost(config.host) && !config.allowInsecureRemote && !(await openness.closed())) {
    process.stderr.write(
      `parley: refusing to listen on ${config.host}: no user exists (or PARLEY_AUTH_DISABLED is set), ` +
        'so Parley serves only on loopback (127.0.0.1, ::1). Set PARLEY_ADMIN_KEY (or create keys with ' +
        '`parley keys create`), or set ' +
        'PARLEY_ALLOW_INSECURE_REMOTE=true to listen there without authentication.\n',
    );
    await store.close();
    process.exit(1);
  }

  // Alone, nothing else can be generating: what is in progress was cut by an earlier run. With
  // shared state other servers may be mid-answer, and the reaper tells the dead from the living.
  if (!sharedState) {
    const interrupted = await store.markInterruptedMessages(
      'interrupted: the server stopped while answering',
      Date.now(),
    );
    if (interrupted > 0)
      app.log.warn({ interrupted }, 'marked answers left in progress by an earlier run as incomplete');
  }
  if (!isLoopbackHost(config.host) && !(await openness.closed())) {
    app.log.warn(
      { host: config.host },
      'PARLEY_ALLOW_INSECURE_REMOTE is set: serving without authentication',
    );
  }
  // Loaded now rather than by the first request (the local engine's model, fetched once if `hf:`).
  const started = Date.now();
  for (const { provider, model, loaded } of models.warmUp?.() ?? []) {
    loaded
      .then(() => app.log.info({ model, ms: Date.now() - started }, `${provider} model loaded`))
      .catch((error: unknown) => app.log.error({ err: error }, `the ${provider} model could not be loaded`));
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    // Streams in flight get the grace to finish; then they stop and are stored `incomplete`.
    setTimeout(() => conversations.shutdown(), config.shutdownGraceMs).unref();
    setTimeout(() => process.exit(1), config.shutdownGraceMs + SHUTDOWN_EXIT_MARGIN_MS).unref();
    // A keep-alive connection whose stream ended during the grace is idle now: close it, or the
    // server would wait on it forever.
    setInterval(() => app.server.closeIdleConnections(), 100).unref();
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  await listenOrStop(
    () => app.listen({ port: config.port, host: config.host }),
    config.host,
    config.port,
    'PORT',
  );
  if (config.metricsPort !== undefined) {
    const metricsServer = await listenOrStop(
      () => listenForMetrics(metrics, config.host, config.metricsPort ?? 0),
      config.host,
      config.metricsPort,
      'PARLEY_METRICS_PORT',
    );
    app.log.info({ address: metricsServer.address() }, 'metrics listening (PARLEY_METRICS_PORT)');
  }
  if (models.defaultModel === undefined) app.log.warn(models.setupAdvice);
  else app.log.info({ defaultModel: models.defaultModel }, 'ready to chat');
}

/** Listens, or stops with one line naming the address when it is taken or not allowed. */
async function listenOrStop<T>(
  listen: () => Promise<T>,
  host: string,
  port: number,
  variable: string,
): Promise<T> {
  try {
    return await listen();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw error;
    const why =
      code === 'EADDRINUSE'
        ? 'is in use by another program (another Parley?)'
        : code === 'EACCES'
          ? 'needs privileges this process does not have'
          : 'is not an address of this machine';
    process.stderr.write(
      `parley: cannot listen on ${host}:${port}: it ${why}; stop that program or set ${variable}\n`,
    );
    process.exit(1);
  }
}

await main();
