/**
 * Where the commands that talk to a server send their requests: the URL from `--url`,
 * `PARLEY_URL`, the user's config file or `http://127.0.0.1:8080`, and the key from `--key`,
 * `PARLEY_API_KEY` or the config file, in that order.
 */

import { UsageError } from './cli-error.ts';
import { readUserConfig } from './user-config.ts';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface ConnectionOptions {
  readonly url?: string | undefined;
  readonly key?: string | undefined;
}

export interface Connection {
  /** The server's origin and any path prefix, without a trailing slash. */
  readonly baseUrl: string;
  readonly key: string | undefined;
}

export async function resolveConnection(
  options: ConnectionOptions,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<Connection> {
  const file = await readUserConfig();
  const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
  const url = nonEmpty(options.url) ?? nonEmpty(environment.PARLEY_URL) ?? nonEmpty(file.url) ?? DEFAULT_URL;
  const parsed = URL.parse(url);
  if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new UsageError(`the server URL must be http:// or https://, not ${JSON.stringify(url)}`);
  }
  return {
    baseUrl: url.replace(/\/+$/, ''),
    key: nonEmpty(options.key) ?? nonEmpty(environment.PARLEY_API_KEY) ?? nonEmpty(file.key),
  };
}
