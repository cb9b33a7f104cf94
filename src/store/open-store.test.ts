/** Opening the store `DATABASE_URL` chose, and describing it for logs without its secrets. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeStoreLocation, openStore } from './open-store.ts';

describe('openStore', () => {
  it('opens SQLite for a sqlite location', async () => {
    const store = await openStore({ kind: 'sqlite', path: ':memory:' });
    await store.ping();
    await store.close();
  });

  it('describes a location for logs without user, password or parameters', () => {
    assert.equal(
      describeStoreLocation({ kind: 'sqlite', path: './data/parley.sqlite' }),
      './data/parley.sqlite',
    );
    assert.equal(
      describeStoreLocation({
        kind: 'postgres',
        url: 'postgres://parley:hunter2@db.internal:5432/parley?sslmode=require&password=hunter3',
      }),
      'postgres://db.internal:5432/parley',
    );
    assert.equal(describeStoreLocation({ kind: 'postgres', url: 'postgres://[bad' }), 'postgres');
  });
});
