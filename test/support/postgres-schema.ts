/**
 * A PostgreSQL schema of its own for a test (PARLEY_TEST_DATABASE_URL): made empty, handed to the
 * server in its URL's search_path (the server creates its tables there), and dropped afterwards.
 */

import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';

export const postgresTestUrl = process.env.PARLEY_TEST_DATABASE_URL ?? '';

export interface PostgresSchema {
  /** A DATABASE_URL whose search_path is the schema. */
  readonly databaseUrl: string;
  drop(): Promise<void>;
}

export async function createPostgresSchema(): Promise<PostgresSchema> {
  const schema = `parley_e2e_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const admin = new Pool({ connectionString: postgresTestUrl, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const separator = postgresTestUrl.includes('?') ? '&' : '?';
  return {
    databaseUrl: `${postgresTestUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async drop() {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}
