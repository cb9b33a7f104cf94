/**
 * The options every command takes (`--url`, `--key`, `--json`), read from wherever they were
 * written on the command line, and the API client they lead to.
 */

import type { Command } from 'commander';
import { ApiClient } from './api-client.ts';
import { resolveConnection } from './connection.ts';

export interface GlobalOptions {
  readonly url?: string;
  readonly key?: string;
  readonly json?: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

export function wantsJson(command: Command): boolean {
  return globalOptions(command).json === true;
}

export async function clientFor(command: Command): Promise<ApiClient> {
  const { url, key } = globalOptions(command);
  return new ApiClient(await resolveConnection({ url, key }));
}
