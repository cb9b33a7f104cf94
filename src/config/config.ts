/**
 * Parley's configuration: read from the environment once at start, validated, then frozen.
 * A bad value stops the start with a message that names the variable (see DESIGN.md's
 * environment contract). Each provider's own variables are read by its definition, from the
 * environment kept here, when the model registry is built (`src/providers/providers.ts`).
 */

import { isIPv4 } from 'node:net';
import { type AccessConfig, readAccessConfig } from './access-config.ts';
import { type ModelPrice, readConfigFile } from './config-file.ts';
import { type Environment, EnvironmentReader } from './environment-reader.ts';
import type { DeploymentConfig, RouteConfig, RoutingSettings } from './routing-config.ts';

export interface SqliteDatabaseConfig {
  readonly kind: 'sqlite';
  /** A file path, or `:memory:` for tests. */
  readonly path: string;
  /** `NORMAL` (default) survives a process crash in WAL mode; `FULL` also survives power loss. */
  readonly synchronous: 'NORMAL' | 'FULL';
  /**
   * True only for the default path (`DATABASE_URL` unset): its folder is made when missing. A path
   * someone named must be in a folder that exists, so a typo stops the start instead of starting
   * on a new, empty database.
   */
  readonly createFolder: boolean;
}

export interface PostgresDatabaseConfig {
  readonly kind: 'postgres';
  /** A `postgres://` or `postgresql://` URL; it may hold a password, so it is never logged. */
  readonly url: string;
}

export type DatabaseConfig = SqliteDatabaseConfig | PostgresDatabaseConfig;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly port: number;
  /** A listener of its own for `GET /metrics` (open, on `host`), instead of the admin-only route. */
  readonly metricsPort: number | undefined;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly redisUrl?: string;
  /**
   * The environment as it was at start. Each provider reads its own variables from it (its
   * definition in `src/providers/<name>/definition.ts`), when the model registry is built.
   */
  readonly environment: Environment;
  /** From the config file: named upstreams, and public model names routed over them. */
  readonly deployments: readonly DeploymentConfig[];
  readonly routes: readonly RouteConfig[];
  readonly routing: RoutingSettings;
  /** The model `/ask` uses when neither the request nor the conversation names one. */
  readonly defaultModel?: string;
  /** An admin key made sure of at start (compose files, first runs); never logged. */
  readonly adminKey?: string;
  /** The secret API keys are hashed with; generated and kept in the database when unset. */
  readonly keyHashSecret?: string;
  /** US dollars per million tokens, by model name, from the config file. */
  readonly prices: Readonly<Record<string, ModelPrice>>;
  /** Context windows in tokens by model name, from the config file. */
  readonly contextWindows: Readonly<Record<string, number>>;
  /** `PARLEY_MAX_CONTEXT_TOKENS`: a cap on every model's context window. */
  readonly maxContextTokens?: number;
  /** The config file read at start, if any. */
  readonly configFile?: string;
  /** Origins allowed to call Parley from browsers; empty (the default) turns CORS off. `*` for any. */
  readonly corsOrigins: readonly string[];
  /** Listen on a non-loopback address without API keys (logged loudly at every start). */
  readonly allowInsecureRemote: boolean;
  /**
   * `PARLEY_AUTH_DISABLED`: open a server that has users (requests without credentials act as the
   * first admin), for an operator locked out; loopback only unless `allowInsecureRemote`.
   */
  readonly authDisabled: boolean;
  /** Users and sign-in: the first admin, sessions, lockout, trusted proxies, single sign-on. */
  readonly access: AccessConfig;
  readonly logLevel: LogLevel;
  /** Largest request body accepted; larger ones get a 413 before parsing. */
  readonly bodyLimitBytes: number;
  /** How long a client may take to send a whole request (headers and body); then it is closed. */
  readonly requestTimeoutMs: number;
  /** The largest image or file a message may carry (decoded bytes); larger ones get a 413. */
  readonly maxAttachmentBytes: number;
  /** Ask the model for a short title after a conversation's first answer. */
  readonly autoTitles: boolean;
  /** Replace what the context window drops with a model-written summary. */
  readonly contextSummaries: boolean;
  /** With Redis: how long a server's heartbeat lives; a server silent this long is taken for dead. */
  readonly replicaTtlMs: number;
  /** On SIGTERM, how long answers being written may take to finish before they are stopped. */
  readonly shutdownGraceMs: number;
  /** How often a streaming answer's text is written to the store while it grows. */
  readonly streamFlushIntervalMs: number;
}

/** Thrown when the environment holds bad values; the message lists each bad variable by name. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parses the environment into a frozen `Config`, or throws a `ConfigError` naming every bad variable. */
export function loadConfig(environment: Environment): Config {
  const problems: string[] = [];
  const reader = new EnvironmentReader(environment, problems);

  const port = reader.integer('PORT', 8080, 0, 65535);
  const metricsPort = reader.optionalInteger('PARLEY_METRICS_PORT', 0, 65535);
  const host = reader.string('HOST') ?? '127.0.0.1';
  const databaseUrl = reader.string('DATABASE_URL');
  const database = parseDatabaseUrl(
    databaseUrl ?? DEFAULT_DATABASE_URL,
    databaseUrl === undefined,
    reader.oneOf('PARLEY_SQLITE_SYNCHRONOUS', ['NORMAL', 'FULL'] as const, 'NORMAL'),
    problems,
  );
  const redisUrl = reader.url('REDIS_URL', ['redis:', 'rediss:']);
  const defaultModel = reader.string('PARLEY_DEFAULT_MODEL');
  const adminKey = reader.secret('PARLEY_ADMIN_KEY', 24);
  const keyHashSecret = reader.secret('PARLEY_KEY_SECRET', 16);
  const corsOrigins = reader.origins('PARLEY_CORS_ORIGINS');
  const file = readConfigFile(reader.string('PARLEY_CONFIG'), problems, environment);
  const allowInsecureRemote = reader.boolean('PARLEY_ALLOW_INSECURE_REMOTE', false);
  const authDisabled = reader.boolean('PARLEY_AUTH_DISABLED', false);
  const access = readAccessConfig(reader, problems);
  const logLevel = reader.oneOf('PARLEY_LOG_LEVEL', LOG_LEVELS, 'info');
  const bodyLimitBytes = reader.integer('PARLEY_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024);
  const requestTimeoutMs = reader.integer('PARLEY_REQUEST_TIMEOUT_MS', 60_000, 1_000, 3_600_000);
  const maxAttachmentBytes = reader.integer(
    'PARLEY_MAX_ATTACHMENT_BYTES',
    10 * 1024 * 1024,
    1024,
    100 * 1024 * 1024,
  );
  const autoTitles = reader.boolean('PARLEY_AUTO_TITLES', true);
  const contextSummaries = reader.boolean('PARLEY_CONTEXT_SUMMARIES', false);
  const maxContextTokens = reader.optionalInteger('PARLEY_MAX_CONTEXT_TOKENS', 512, 100_000_000);
  const replicaTtlMs = reader.integer('PARLEY_REPLICA_TTL_MS', 15_000, 300, 600_000);
  const shutdownGraceMs = reader.integer('PARLEY_SHUTDOWN_GRACE_MS', 8_000, 0, 600_000);
  const streamFlushIntervalMs = reader.integer('PARLEY_STREAM_FLUSH_MS', 1000, 10, 60_000);

  if (problems.length > 0) throw new ConfigError(problems);

  return deepFreeze({
    port,
    metricsPort,
    host,
    database,
    ...(redisUrl === undefined ? {} : { redisUrl }),
    environment: { ...environment },
    deployments: file.deployments,
    routes: file.routes,
    routing: file.routing,
    ...(defaultModel === undefined ? {} : { defaultModel }),
    ...(adminKey === undefined ? {} : { adminKey }),
    ...(keyHashSecret === undefined ? {} : { keyHashSecret }),
    prices: file.prices,
    contextWindows: file.contextWindows,
    ...(maxContextTokens === undefined ? {} : { maxContextTokens }),
    ...(file.path === undefined ? {} : { configFile: file.path }),
    corsOrigins,
    allowInsecureRemote,
    authDisabled,
    access,
    logLevel,
    bodyLimitBytes,
    requestTimeoutMs,
    maxAttachmentBytes,
    autoTitles,
    contextSummaries,
    replicaTtlMs,
    shutdownGraceMs,
    streamFlushIntervalMs,
  });
}

/** True when `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  // 127.0.0.0/8 written as an address, never a name that merely starts with "127." (127.evil.example).
  return host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'));
}

/** The database when `DATABASE_URL` is unset: the only one whose folder Parley creates. */
export const DEFAULT_DATABASE_URL = 'sqlite:./data/parley.sqlite';

function parseDatabaseUrl(
  value: string,
  isDefault: boolean,
  synchronous: 'NORMAL' | 'FULL',
  problems: string[],
): DatabaseConfig {
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '')
      problems.push('DATABASE_URL: `sqlite:` needs a file path, e.g. sqlite:./data/parley.sqlite');
    return { kind: 'sqlite', path, synchronous, createFolder: isDefault };
  }
  // The value may hold a password: messages name the variable, never the value.
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    if (URL.parse(value) === null) problems.push('DATABASE_URL: not a valid postgres:// URL');
    return { kind: 'postgres', url: value };
  }
  problems.push('DATABASE_URL: expected sqlite:<path> or postgres://...');
  return { kind: 'sqlite', path: '', synchronous, createFolder: false };
}

function deepFreeze<T extends object>(value: T): T {
  for (const field of Object.values(value)) {
    if (typeof field === 'object' && field !== null) deepFreeze(field);
  }
  return Object.freeze(value);
}
