/**
 * The optional config file (`PARLEY_CONFIG`, or `./parley.config.yaml` when present): YAML or JSON,
 * validated against one schema at start: the price table, per-model settings, and the deployments
 * and routes of `routing-config.ts`.
 *
 * ```yaml
 * prices:            # US dollars per million tokens
 *   gpt-4o-mini: { input: 0.15, output: 0.60 }
 * models:            # per-model settings
 *   my-local-model: { context_window: 8192 }
 * ```
 */

import { existsSync, readFileSync } from 'node:fs';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import {
  DEFAULT_ROUTING,
  type DeploymentConfig,
  DeploymentSchema,
  type RouteConfig,
  RouteSchema,
  RoutingSchema,
  type RoutingSettings,
  resolveRouting,
} from './routing-config.ts';

const Price = Type.Object(
  { input: Type.Number({ minimum: 0 }), output: Type.Number({ minimum: 0 }) },
  { additionalProperties: false },
);

const ModelSettings = Type.Object(
  { context_window: Type.Optional(Type.Integer({ minimum: 512, maximum: 100_000_000 })) },
  { additionalProperties: false },
);

export const ConfigFileSchema = Type.Object(
  {
    prices: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Price)),
    models: Type.Optional(Type.Record(Type.String({ minLength: 1 }), ModelSettings)),
    deployments: Type.Optional(Type.Record(Type.String({ minLength: 1 }), DeploymentSchema)),
    routes: Type.Optional(Type.Record(Type.String({ minLength: 1 }), RouteSchema)),
    routing: Type.Optional(RoutingSchema),
  },
  { additionalProperties: false },
);

export interface ModelPrice {
  /** US dollars per million input tokens. */
  readonly input: number;
  readonly output: number;
}

export interface ConfigFile {
  readonly path: string | undefined;
  readonly prices: Readonly<Record<string, ModelPrice>>;
  /** Context windows in tokens, by model name. */
  readonly contextWindows: Readonly<Record<string, number>>;
  readonly deployments: readonly DeploymentConfig[];
  readonly routes: readonly RouteConfig[];
  readonly routing: RoutingSettings;
}

export const DEFAULT_CONFIG_FILE = './parley.config.yaml';

function empty(path: string | undefined): ConfigFile {
  return { path, prices: {}, contextWindows: {}, deployments: [], routes: [], routing: DEFAULT_ROUTING };
}

/**
 * Reads and validates the file; returns the problems (naming PARLEY_CONFIG and the place) instead
 * of throwing. `environment` holds the keys that deployments name with `api_key_env`.
 */
export function readConfigFile(
  explicitPath: string | undefined,
  problems: string[],
  environment: Readonly<Record<string, string | undefined>> = {},
): ConfigFile {
  const path = explicitPath ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (path === undefined) return empty(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`PARLEY_CONFIG: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return empty(path);
  }
  let value: unknown;
  try {
    value = parseYaml(text) ?? {};
  } catch (error) {
    problems.push(
      `PARLEY_CONFIG: ${path} is not valid YAML or JSON: ${(error as Error).message.split('\n', 1)[0]}`,
    );
    return empty(path);
  }
  if (!Value.Check(ConfigFileSchema, value)) {
    for (const issue of [...Value.Errors(ConfigFileSchema, value)].slice(0, 5)) {
      if (issue.keyword === 'boolean') continue;
      const where =
        issue.instancePath === '' ? '(top level)' : issue.instancePath.replaceAll('/', '.').slice(1);
      const extra = (issue.params as { additionalProperties?: string[] }).additionalProperties;
      problems.push(
        `PARLEY_CONFIG: ${path}: ${where}: ${issue.message}${extra === undefined ? '' : ` (${extra.join(', ')})`}`,
      );
    }
    return empty(path);
  }
  const contextWindows: Record<string, number> = {};
  for (const [model, settings] of Object.entries(value.models ?? {})) {
    if (settings.context_window !== undefined) contextWindows[model] = settings.context_window;
  }
  const routing = resolveRouting(value, environment, (message) =>
    problems.push(`PARLEY_CONFIG: ${path}: ${message}`),
  );
  return { path, prices: value.prices ?? {}, contextWindows, ...routing };
}
