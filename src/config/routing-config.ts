/**
 * Deployments and routes from the config file: which upstreams serve which public model names.
 *
 * ```yaml
 * deployments:                      # one upstream model behind one key or account
 *   openai-a: { provider: openai-compatible, model: gpt-4o-mini, api_key_env: OPENAI_KEY_A, weight: 3 }
 *   openai-b: { provider: openai-compatible, model: gpt-4o-mini, api_key_env: OPENAI_KEY_B }
 *   claude:   { provider: anthropic, model: claude-haiku-4-5, api_key_env: ANTHROPIC_API_KEY }
 * routes:                           # a public model name → deployments, then fallbacks
 *   fast: { deployments: [openai-a, openai-b], fallbacks: [claude] }
 * routing: { retries: 2, backoff_ms: 250, max_backoff_ms: 8000, cooldown_ms: 30000, allowed_fails: 3 }
 * ```
 * Keys come from the environment (`api_key_env`) or, for files kept private, inline (`api_key`).
 */

import { type Static, Type } from 'typebox';

const Name = Type.String({ minLength: 1, maxLength: 200 });

export const DeploymentSchema = Type.Object(
  {
    /** A provider's name (`src/providers/providers.ts` lists them; the registry checks it). */
    provider: Name,
    /** The upstream's model id; for `local`, a GGUF path or an `hf:` URI. */
    model: Name,
    base_url: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** An API key, or for `chatgpt-web` an access token. */
    api_key: Type.Optional(Type.String({ minLength: 1 })),
    /** The environment variable that holds it. */
    api_key_env: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
    /** Share of a route's requests, relative to the other deployments of the route. */
    weight: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })),
  },
  { additionalProperties: false },
);

export const RouteSchema = Type.Object(
  {
    /** Balanced by weight; each request tries them all (healthy ones first) before the fallbacks. */
    deployments: Type.Array(Name, { minItems: 1 }),
    /** Tried in order when every deployment failed. */
    fallbacks: Type.Optional(Type.Array(Name)),
  },
  { additionalProperties: false },
);

export const RoutingSchema = Type.Object(
  {
    /** Rounds over a route's deployments after the first, when all failed with a retryable error. */
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    backoff_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    /** A `retry-after` longer than this is not waited for: the request fails with it instead. */
    max_backoff_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    cooldown_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    /** Consecutive server errors after which a deployment cools down (a 429 or 401 cools it at once). */
    allowed_fails: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

export interface DeploymentConfig {
  readonly name: string;
  readonly provider: string;
  readonly model: string;
  readonly baseUrl?: string;
  readonly apiKey?: string;
  readonly weight: number;
}

export interface RouteConfig {
  /** The public model name clients send. */
  readonly name: string;
  readonly deployments: readonly string[];
  readonly fallbacks: readonly string[];
}

export interface RoutingSettings {
  readonly retries: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly cooldownMs: number;
  readonly allowedFails: number;
}

export const DEFAULT_ROUTING: RoutingSettings = {
  retries: 2,
  backoffMs: 250,
  maxBackoffMs: 8_000,
  cooldownMs: 30_000,
  allowedFails: 3,
};

/**
 * Turns the validated file sections into deployments and routes, reading keys from `environment`.
 * Problems (an unknown deployment in a route, an unset key variable) are pushed, naming the place;
 * what a provider itself needs (its name, a key) is checked by the registry.
 */
export function resolveRouting(
  sections: {
    readonly deployments?: Readonly<Record<string, Static<typeof DeploymentSchema>>>;
    readonly routes?: Readonly<Record<string, Static<typeof RouteSchema>>>;
    readonly routing?: Static<typeof RoutingSchema>;
  },
  environment: Readonly<Record<string, string | undefined>>,
  problem: (message: string) => void,
): {
  deployments: DeploymentConfig[];
  routes: RouteConfig[];
  routing: RoutingSettings;
} {
  const deployments: DeploymentConfig[] = [];
  for (const [name, entry] of Object.entries(sections.deployments ?? {})) {
    if (entry.api_key !== undefined && entry.api_key_env !== undefined) {
      problem(`deployments.${name}: set api_key or api_key_env, not both`);
    }
    const apiKey =
      entry.api_key ?? (entry.api_key_env === undefined ? undefined : environment[entry.api_key_env]);
    if (entry.api_key_env !== undefined && (apiKey === undefined || apiKey === '')) {
      problem(`deployments.${name}: the environment variable ${entry.api_key_env} is not set`);
    }
    deployments.push({
      name,
      provider: entry.provider,
      model: entry.model,
      ...(entry.base_url === undefined ? {} : { baseUrl: entry.base_url }),
      ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }),
      weight: entry.weight ?? 1,
    });
  }
  const known = new Set(deployments.map((deployment) => deployment.name));
  const routes: RouteConfig[] = [];
  for (const [name, entry] of Object.entries(sections.routes ?? {})) {
    const fallbacks = entry.fallbacks ?? [];
    for (const [field, list] of [
      ['deployments', entry.deployments],
      ['fallbacks', fallbacks],
    ] as const) {
      for (const target of list) {
        if (!known.has(target)) problem(`routes.${name}.${field}: no deployment is named "${target}"`);
      }
    }
    routes.push({ name, deployments: entry.deployments, fallbacks });
  }
  const routing = sections.routing ?? {};
  return {
    deployments,
    routes,
    routing: {
      retries: routing.retries ?? DEFAULT_ROUTING.retries,
      backoffMs: routing.backoff_ms ?? DEFAULT_ROUTING.backoffMs,
      maxBackoffMs: routing.max_backoff_ms ?? DEFAULT_ROUTING.maxBackoffMs,
      cooldownMs: routing.cooldown_ms ?? DEFAULT_ROUTING.cooldownMs,
      allowedFails: routing.allowed_fails ?? DEFAULT_ROUTING.allowedFails,
    },
  };
}
