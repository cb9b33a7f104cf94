/**
 * The database commands (`keys`, `users`, `db`) open the store the server uses, from the same
 * environment (`DATABASE_URL`, `PARLEY_KEY_SECRET`…) or `--database`, so they work before any key
 * exists and whether the server runs or not. Migrations run as the store opens. The config and
 * store modules load only when a command needs them, so other commands start faster.
 */

import type { Command } from 'commander';
import type { Config } from '../config/config.ts';
import type { Store } from '../store/store.ts';
import { UsageError } from './cli-error.ts';

/** Adds `--database <url>` to a command that works on the database. */
export function withDatabaseOption(command: Command): Command {
  return command.option(
    '--database <url>',
    'the database: sqlite:<path> or postgres://… (default: DATABASE_URL, else sqlite:./data/parley.sqlite)',
  );
}

/** The server's config, with `--database` (from this command or a parent) in place of DATABASE_URL. */
export async function configFor(command: Command): Promise<Config> {
  const { database } = command.optsWithGlobals<{ database?: string }>();
  const { ConfigError, loadConfig } = await import('../config/config.ts');
  try {
    return loadConfig({ ...process.env, ...(database === undefined ? {} : { DATABASE_URL: database }) });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

export async function withStore<T>(
  command: Command,
  work: (store: Store, config: Config) => Promise<T>,
): Promise<T> {
  const config = await configFor(command);
  const { openStore, StoreLocationError } = await import('../store/open-store.ts');
  const store = await openStore(config.database).then(
    (opened) => opened.store,
    (error: unknown) => {
      // A SQLite path in a folder that does not exist: the command line named it wrong.
      throw error instanceof StoreLocationError ? new UsageError(error.message) : error;
    },
  );
  try {
    return await work(store, config);
  } finally {
    await store.close();
  }
}
