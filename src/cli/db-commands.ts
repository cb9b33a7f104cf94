/**
 * `parley db migrate` and `parley db backup <file>`. A SQLite database is copied with SQLite's
 * online backup (through node:sqlite), consistent while the server keeps writing; PostgreSQL is
 * backed up with its own tool, `pg_dump`, and the command says how.
 */

import { existsSync } from 'node:fs';
import { backup, DatabaseSync } from 'node:sqlite';
import type { Command } from 'commander';
import { CliError } from './cli-error.ts';
import { configFor, withDatabaseOption, withStore } from './database.ts';
import { wantsJson } from './global-options.ts';
import { printJson } from './output.ts';

/** `PRAGMA user_version` of a SQLite file: how many of its migrations have run (0 when absent). */
function sqliteSchemaVersion(path: string): number {
  if (path === ':memory:' || !existsSync(path)) return 0;
  const database = new DatabaseSync(path);
  try {
    const row = database.prepare('PRAGMA user_version').get() as { user_version?: number } | undefined;
    return Number(row?.user_version ?? 0);
  } finally {
    database.close();
  }
}

export function registerDbCommands(program: Command): void {
  const db = withDatabaseOption(program.command('db').description('migrate and back up the database'));

  db.command('migrate')
    .description('apply the migrations the database lacks (the server also does at start)')
    .action(async (_options: unknown, command: Command) => {
      const location = (await configFor(command)).database;
      const { describeStoreLocation } = await import('../store/open-store.ts');
      const before = location.kind === 'sqlite' ? sqliteSchemaVersion(location.path) : undefined;
      await withStore(command, async () => {});
      const after = location.kind === 'sqlite' ? sqliteSchemaVersion(location.path) : undefined;
      const database = describeStoreLocation(location);
      if (wantsJson(command))
        return printJson({
          database,
          kind: location.kind,
          from_version: before ?? null,
          version: after ?? null,
        });
      process.stdout.write(
        before === undefined || after === undefined
          ? `${database}: schema up to date\n`
          : before === after
            ? `${database}: schema up to date (version ${after})\n`
            : `${database}: migrated from version ${before} to ${after}\n`,
      );
    });

  db.command('backup')
    .description('copy a SQLite database while the server runs (PostgreSQL: use pg_dump)')
    .argument('<file>', 'where to write the copy')
    .option('--force', 'overwrite the file if it exists')
    .action(async (file: string, options: { force?: boolean }, command: Command) => {
      const location = (await configFor(command)).database;
      if (location.kind === 'postgres') {
        const { describeStoreLocation } = await import('../store/open-store.ts');
        throw new CliError(
          `PostgreSQL is backed up with pg_dump: pg_dump --format=custom --file ${file} "$DATABASE_URL" ` +
            `(database ${describeStoreLocation(location)})`,
        );
      }
      if (!existsSync(location.path)) throw new CliError(`no database at ${location.path}`);
      if (existsSync(file) && options.force !== true) {
        throw new CliError(`${file} exists; pass --force to overwrite it`);
      }
      const source = new DatabaseSync(location.path);
      let pages: number;
      try {
        pages = await backup(source, file);
      } catch (error) {
        throw new CliError(`backup to ${file} failed: ${(error as Error).message}`);
      } finally {
        source.close();
      }
      const version = sqliteSchemaVersion(file);
      if (wantsJson(command)) return printJson({ database: location.path, backup: file, pages, version });
      process.stdout.write(
        `backed up ${location.path} to ${file} (${pages} pages, schema version ${version})\n`,
      );
    });
}
