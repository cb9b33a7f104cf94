/**
 * Opens the Store that `DATABASE_URL` chose. The PostgreSQL driver loads only when it is used.
 * (The option types mirror the config's database section; a store imports nothing above it.)
 */

import { openSqliteStore } from './sqlite/sqlite-store.ts';
import type { Store } from './store.ts';

export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string; readonly synchronous?: 'NORMAL' | 'FULL' }
  | { readonly kind: 'postgres'; readonly url: string };

export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.kind === 'sqlite') {
    return openSqliteStore({
      path: location.path,
      ...(location.synchronous === undefined ? {} : { synchronous: location.synchronous }),
    });
  }
  const { openPostgresStore } = await import('./postgres/postgres-store.ts');
  return openPostgresStore({ connectionString: location.url });
}

/** Where the store is, for logs: the file, or the server and database without user, password or options. */
export function describeStoreLocation(location: StoreLocation): string {
  if (location.kind === 'sqlite') return location.path;
  const url = URL.parse(location.url);
  return url === null ? 'postgres' : `${url.protocol}//${url.host}${url.pathname}`;
}
