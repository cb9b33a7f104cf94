/**
 * Opens the Store that `DATABASE_URL` chose, and says whether the database was just created. The
 * PostgreSQL driver loads only when it is used. (The option types mirror the config's database
 * section; a store imports nothing above it.)
 */

import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openSqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

export type StoreLocation =
  | {
      readonly kind: 'sqlite';
      readonly path: string;
      readonly synchronous?: 'NORMAL' | 'FULL';
      /** Make the file's folder when missing (only the default path does); otherwise it must exist. */
      readonly createFolder?: boolean;
    }
  | { readonly kind: 'postgres'; readonly url: string };

export interface OpenedStore {
  readonly store: Store;
  /** True when this open made the database: a new SQLite file, or Parley's tables on PostgreSQL. */
  readonly created: boolean;
}

/** A database location that cannot be right, e.g. a SQLite path in a folder that does not exist. */
export class StoreLocationError extends Error {
  override readonly name = 'StoreLocationError';
}

export async function openStore(location: StoreLocation): Promise<OpenedStore> {
  if (location.kind === 'sqlite') {
    const created = location.path === ':memory:' || !existsSync(location.path);
    if (location.path !== ':memory:') checkFolder(location.path, location.createFolder === true);
    const store = openSqliteStore({
      path: location.path,
      ...(location.synchronous === undefined ? {} : { synchronous: location.synchronous }),
    });
    return { store, created };
  }
  const { openPostgresStore } = await import('./postgres/postgres-store.ts');
  let created = false;
  const store = await openPostgresStore({
    connectionString: location.url,
    onMigrated: (applied) => {
      created = applied.includes(1);
    },
  });
  return { store, created };
}

/** The SQLite file's folder exists (or is made, for the default path), and is a folder. */
function checkFolder(path: string, createFolder: boolean): void {
  const folder = dirname(resolve(path));
  if (!existsSync(folder)) {
    if (createFolder) return void mkdirSync(folder, { recursive: true });
    throw new StoreLocationError(
      `DATABASE_URL: the folder of sqlite:${path} (${folder}) does not exist. Create it first, or fix the ` +
        'path: Parley creates a new database file in an existing folder, but no folders except ./data ' +
        '(the default), so that a mistyped path does not start on a new, empty database.',
    );
  }
  if (!statSync(folder).isDirectory())
    throw new StoreLocationError(`DATABASE_URL: ${folder} (the folder of sqlite:${path}) is not a folder`);
}

/** Where the store is, for logs: the file, or the server and database without user, password or options. */
export function describeStoreLocation(location: StoreLocation): string {
  if (location.kind === 'sqlite') return location.path;
  const url = URL.parse(location.url);
  return url === null ? 'postgres' : `${url.protocol}//${url.host}${url.pathname}`;
}
