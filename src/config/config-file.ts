/**
 * The optional config file (`PARLEY_CONFIG`, or `./parley.config.yaml` when present): YAML or JSON,
 * validated against one schema at start. For now it holds the price table; routes and deployments
 * join it with the routing work.
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
}

export const DEFAULT_CONFIG_FILE = './parley.config.yaml';

/** Reads and validates the file; returns the problems (naming PARLEY_CONFIG and the place) instead of throwing. */
export function readConfigFile(explicitPath: string | undefined, problems: string[]): ConfigFile {
  const path = explicitPath ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (path === undefined) return { path, prices: {}, contextWindows: {} };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`PARLEY_CONFIG: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return { path, prices: {}, contextWindows: {} };
  }
  let value: unknown;
  try {
    value = parseYaml(text) ?? {};
  } catch (error) {
    problems.push(
      `PARLEY_CONFIG: ${path} is not valid YAML or JSON: ${(error as Error).message.split('\n', 1)[0]}`,
    );
    return { path, prices: {}, contextWindows: {} };
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
    return { path, prices: {}, contextWindows: {} };
  }
  const contextWindows: Record<string, number> = {};
  for (const [model, settings] of Object.entries(value.models ?? {})) {
    if (settings.context_window !== undefined) contextWindows[model] = settings.context_window;
  }
  return { path, prices: value.prices ?? {}, contextWindows };
}
