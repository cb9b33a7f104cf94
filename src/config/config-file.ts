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
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { type Static, Type } from 'typebox';
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

type ConfigFileValue = Static<typeof ConfigFileSchema>;

/**
 * The file's validator, compiled on first use: with ajv, which Fastify already loads for request
 * bodies (TypeBox's own `Value` checker would load its compiler, ~4 MB more memory at start, for a
 * file most servers do not have).
 */
let validateConfigFile: ValidateFunction<ConfigFileValue> | undefined;

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
 * ajv's errors as `place: problem` lines. A choice of constants (a union of literals) fails once
 * per constant and once more as a whole: that becomes one line naming the allowed values.
 */
function describeSchemaErrors(errors: readonly ErrorObject[]): string[] {
  const allowed = new Map<string, string[]>();
  const lines: string[] = [];
  for (const error of errors) {
    const where =
      error.instancePath === '' ? '(top level)' : error.instancePath.replaceAll('/', '.').slice(1);
    const params = error.params as { allowedValue?: unknown; additionalProperty?: string };
    if (error.keyword === 'const') {
      allowed.set(error.instancePath, [
        ...(allowed.get(error.instancePath) ?? []),
        String(params.allowedValue),
      ]);
    } else if (error.keyword === 'anyOf' && allowed.has(error.instancePath)) {
      lines.push(`${where}: must be one of ${allowed.get(error.instancePath)?.join(', ')}`);
    } else {
      const extra = params.additionalProperty === undefined ? '' : ` (${params.additionalProperty})`;
      lines.push(`${where}: ${error.message}${extra}`);
    }
  }
  return lines;
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
  validateConfigFile ??= new Ajv({ allErrors: true, strict: false }).compile<ConfigFileValue>(
    ConfigFileSchema,
  );
  if (!validateConfigFile(value)) {
    for (const problem of describeSchemaErrors(validateConfigFile.errors ?? []).slice(0, 5))
      problems.push(`PARLEY_CONFIG: ${path}: ${problem}`);
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
