/**
 * Parley's configuration: read from the environment once at start, validated, then frozen.
 * A bad value stops the start with a message that names the variable (see DESIGN.md's
 * environment contract).
 */

import { type ModelPrice, readConfigFile } from './config-file.ts';
import type { DeploymentConfig, RouteConfig, RoutingSettings } from './routing-config.ts';

export interface SqliteDatabaseConfig {
  readonly kind: 'sqlite';
  /** A file path, or `:memory:` for tests. */
  readonly path: string;
  /** `NORMAL` (default) survives a process crash in WAL mode; `FULL` also survives power loss. */
  readonly synchronous: 'NORMAL' | 'FULL';
}

export interface PostgresDatabaseConfig {
  readonly kind: 'postgres';
  /** A `postgres://` or `postgresql://` URL; it may hold a password, so it is never logged. */
  readonly url: string;
}

export type DatabaseConfig = SqliteDatabaseConfig | PostgresDatabaseConfig;

export interface OpenAICompatibleConfig {
  readonly baseUrl: string;
  readonly apiKey?: string;
}

export interface AnthropicConfig {
  /** The API's root, without `/v1`. */
  readonly baseUrl: string;
  readonly apiKey: string;
}

export interface ChatGptWebConfig {
  /** `https://chatgpt.com/backend-api/`, or a reverse proxy's `.../api/` (the provider adds a missing `/`). */
  readonly baseUrl: string;
  /** The account's access token; never logged. */
  readonly accessToken: string;
}

/** The embedded llama.cpp engine's settings (for `PARLEY_LOCAL_MODEL` and `local` deployments). */
export interface LocalEngineConfig {
  /** Where `hf:` models are fetched to. */
  readonly modelsDir: string;
  /** `false` for the CPU; a GPU needs its build of node-llama-cpp installed. */
  readonly gpu: false | 'auto' | 'cuda' | 'vulkan' | 'metal';
  /** CPU threads; undefined for all of the machine's. */
  readonly threads?: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly redisUrl?: string;
  readonly openai?: OpenAICompatibleConfig;
  readonly anthropic?: AnthropicConfig;
  /** ChatGPT's web backend with an account's access token (the seed's upstream). */
  readonly chatgptWeb?: ChatGptWebConfig;
  /** A GGUF file's path, or an `hf:` URI, run by the embedded llama.cpp engine. */
  readonly localModel?: string;
  readonly localEngine: LocalEngineConfig;
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
  readonly logLevel: LogLevel;
  /** Largest request body accepted; larger ones get a 413 before parsing. */
  readonly bodyLimitBytes: number;
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

export type Environment = Readonly<Record<string, string | undefined>>;

/** Thrown when the environment holds bad values; the message lists each bad variable by name. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_CHATGPT_BASE_URL = 'https://chatgpt.com/backend-api/';
const LOCAL_GPUS = ['cpu', 'auto', 'cuda', 'vulkan', 'metal'] as const;
const parseLocalGpu = (value: (typeof LOCAL_GPUS)[number]): LocalEngineConfig['gpu'] =>
  value === 'cpu' ? false : value;
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parses the environment into a frozen `Config`, or throws a `ConfigError` naming every bad variable. */
export function loadConfig(environment: Environment): Config {
  const problems: string[] = [];
  const reader = new EnvironmentReader(environment, problems);

  const port = reader.integer('PORT', 8080, 0, 65535);
  const host = reader.string('HOST') ?? '127.0.0.1';
  const database = parseDatabaseUrl(
    reader.string('DATABASE_URL') ?? 'sqlite:./data/parley.sqlite',
    reader.oneOf('PARLEY_SQLITE_SYNCHRONOUS', ['NORMAL', 'FULL'] as const, 'NORMAL'),
    problems,
  );
  const redisUrl = reader.url('REDIS_URL', ['redis:', 'rediss:']);
  const openaiApiKey = reader.string('OPENAI_API_KEY');
  const openaiBaseUrl = reader.url('OPENAI_BASE_URL', ['http:', 'https:']);
  const defaultModel = reader.string('PARLEY_DEFAULT_MODEL');
  const anthropicApiKey = reader.string('ANTHROPIC_API_KEY');
  const anthropicBaseUrl = reader.url('ANTHROPIC_BASE_URL', ['http:', 'https:']);
  // `access_token` is the name the original chatgpt-webapi read; both work.
  const chatgptAccessToken = reader.string('CHATGPT_ACCESS_TOKEN') ?? reader.string('access_token');
  const chatgptBaseUrl = reader.url('CHATGPT_BASE_URL', ['http:', 'https:']);
  const localModel = reader.string('PARLEY_LOCAL_MODEL');
  const localThreads = reader.optionalInteger('PARLEY_LOCAL_THREADS', 1, 1024);
  const localEngine: LocalEngineConfig = {
    modelsDir: reader.string('PARLEY_MODELS_DIR') ?? './data/models',
    gpu: parseLocalGpu(reader.oneOf('PARLEY_LOCAL_GPU', LOCAL_GPUS, 'cpu')),
    ...(localThreads === undefined ? {} : { threads: localThreads }),
  };
  const adminKey = reader.secret('PARLEY_ADMIN_KEY', 24);
  const keyHashSecret = reader.secret('PARLEY_KEY_SECRET', 16);
  const corsOrigins = reader.origins('PARLEY_CORS_ORIGINS');
  const file = readConfigFile(reader.string('PARLEY_CONFIG'), problems, environment);
  const allowInsecureRemote = reader.boolean('PARLEY_ALLOW_INSECURE_REMOTE', false);
  const logLevel = reader.oneOf('PARLEY_LOG_LEVEL', LOG_LEVELS, 'info');
  const bodyLimitBytes = reader.integer('PARLEY_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024);
  const autoTitles = reader.boolean('PARLEY_AUTO_TITLES', true);
  const contextSummaries = reader.boolean('PARLEY_CONTEXT_SUMMARIES', false);
  const maxContextTokens = reader.optionalInteger('PARLEY_MAX_CONTEXT_TOKENS', 512, 100_000_000);
  const replicaTtlMs = reader.integer('PARLEY_REPLICA_TTL_MS', 15_000, 300, 600_000);
  const shutdownGraceMs = reader.integer('PARLEY_SHUTDOWN_GRACE_MS', 8_000, 0, 600_000);
  const streamFlushIntervalMs = reader.integer('PARLEY_STREAM_FLUSH_MS', 1000, 10, 60_000);

  if (problems.length > 0) throw new ConfigError(problems);

  const openai: OpenAICompatibleConfig | undefined =
    openaiApiKey !== undefined || openaiBaseUrl !== undefined
      ? {
          baseUrl: (openaiBaseUrl ?? DEFAULT_OPENAI_BASE_URL).replace(/\/+$/, ''),
          ...(openaiApiKey === undefined ? {} : { apiKey: openaiApiKey }),
        }
      : undefined;

  const anthropic: AnthropicConfig | undefined =
    anthropicApiKey === undefined
      ? undefined
      : {
          baseUrl: (anthropicBaseUrl ?? DEFAULT_ANTHROPIC_BASE_URL).replace(/\/+$/, ''),
          apiKey: anthropicApiKey,
        };

  const chatgptWeb: ChatGptWebConfig | undefined =
    chatgptAccessToken === undefined
      ? undefined
      : {
          baseUrl: chatgptBaseUrl ?? DEFAULT_CHATGPT_BASE_URL,
          accessToken: chatgptAccessToken,
        };

  return deepFreeze({
    port,
    host,
    database,
    ...(redisUrl === undefined ? {} : { redisUrl }),
    ...(openai === undefined ? {} : { openai }),
    ...(anthropic === undefined ? {} : { anthropic }),
    ...(chatgptWeb === undefined ? {} : { chatgptWeb }),
    ...(localModel === undefined ? {} : { localModel }),
    localEngine,
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
    logLevel,
    bodyLimitBytes,
    autoTitles,
    contextSummaries,
    replicaTtlMs,
    shutdownGraceMs,
    streamFlushIntervalMs,
  });
}

/** True when `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function parseDatabaseUrl(value: string, synchronous: 'NORMAL' | 'FULL', problems: string[]): DatabaseConfig {
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '')
      problems.push('DATABASE_URL: `sqlite:` needs a file path, e.g. sqlite:./data/parley.sqlite');
    return { kind: 'sqlite', path, synchronous };
  }
  // The value may hold a password: messages name the variable, never the value.
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    if (URL.parse(value) === null) problems.push('DATABASE_URL: not a valid postgres:// URL');
    return { kind: 'postgres', url: value };
  }
  problems.push('DATABASE_URL: expected sqlite:<path> or postgres://...');
  return { kind: 'sqlite', path: '', synchronous };
}

/** Reads typed values from the environment, recording a problem per bad variable. */
class EnvironmentReader {
  readonly #environment: Environment;
  readonly #problems: string[];

  constructor(environment: Environment, problems: string[]) {
    this.#environment = environment;
    this.#problems = problems;
  }

  /** A set, non-blank value, trimmed; `undefined` when unset or blank. */
  string(name: string): string | undefined {
    const value = this.#environment[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** An integer in range, or undefined when unset. */
  optionalInteger(name: string, min: number, max: number): number | undefined {
    return this.string(name) === undefined ? undefined : this.integer(name, min, min, max);
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      this.#problems.push(`${name}: expected an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  /** A secret of at least `minLength` characters; the message never repeats the value. */
  secret(name: string, minLength: number): string | undefined {
    const value = this.string(name);
    if (value !== undefined && value.length < minLength) {
      this.#problems.push(`${name}: must be at least ${minLength} characters long`);
      return undefined;
    }
    return value;
  }

  /** A comma-separated list of `http(s)://host[:port]` origins, or `*`. */
  origins(name: string): string[] {
    const raw = this.string(name);
    if (raw === undefined) return [];
    const origins = raw
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== '');
    for (const origin of origins) {
      const parsed = origin === '*' ? null : URL.parse(origin);
      if (
        origin !== '*' &&
        (parsed === null || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin)
      ) {
        this.#problems.push(`${name}: "${origin}" is not an origin like https://chat.example.com (or *)`);
        return [];
      }
    }
    return origins;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.#problems.push(`${name}: expected true or false, got "${raw}"`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const match = allowed.find((candidate) => candidate === raw);
    if (match === undefined)
      this.#problems.push(`${name}: expected one of ${allowed.join(', ')}, got "${raw}"`);
    return match ?? fallback;
  }

  url(name: string, protocols: readonly string[]): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const parsed = URL.parse(raw);
    if (parsed === null || !protocols.includes(parsed.protocol)) {
      // The value may hold credentials: name the variable, not the value.
      this.#problems.push(`${name}: expected a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`);
      return undefined;
    }
    return raw;
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const field of Object.values(value)) {
    if (typeof field === 'object' && field !== null) deepFreeze(field);
  }
  return Object.freeze(value);
}
