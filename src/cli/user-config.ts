/**
 * The user's CLI settings file, `parley/config.json` in the user's config directory
 * (`$XDG_CONFIG_HOME`, else `~/.config`; `%APPDATA%` on Windows): the server's `url` and the `key`
 * to send. Written by `parley config set`, readable only by its owner since it holds a key.
 */

import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './cli-error.ts';

export interface UserConfig {
  readonly url?: string;
  readonly key?: string;
}

export const USER_CONFIG_FIELDS = ['url', 'key'] as const;
export type UserConfigField = (typeof USER_CONFIG_FIELDS)[number];

/** The user's config directory for Parley (also where the chat's input history is kept). */
export function userConfigDir(environment: NodeJS.ProcessEnv = process.env): string {
  const base =
    environment.XDG_CONFIG_HOME ??
    (process.platform === 'win32' && environment.APPDATA !== undefined
      ? environment.APPDATA
      : join(homedir(), '.config'));
  return join(base, 'parley');
}

export function userConfigPath(environment: NodeJS.ProcessEnv = process.env): string {
  return join(userConfigDir(environment), 'config.json');
}

export async function readUserConfig(path = userConfigPath()): Promise<UserConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${path} must hold a JSON object like {"url": "...", "key": "..."}`);
  }
  const record = parsed as Record<string, unknown>;
  const config: { url?: string; key?: string } = {};
  for (const field of USER_CONFIG_FIELDS) {
    const value = record[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new CliError(`${path}: "${field}" must be a string`);
    config[field] = value;
  }
  return config;
}

export async function writeUserConfig(config: UserConfig, path = userConfigPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}
