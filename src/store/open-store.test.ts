/** Opening the store `DATABASE_URL` chose, and describing it for logs without its secrets. */

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { describeStoreLocation, openStore, StoreLocationError } from './open-store.ts';

describe('openStore', () => {
  it('opens SQLite for a sqlite location', async () => {
    const { store, created } = await openStore({ kind: 'sqlite', path: ':memory:' });
    assert.equal(created, true);
    await store.ping();
    await store.close();
  });

  it('creates a file in an existing folder, and says so; only the default path gets its folder made', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'parley-open-'));
    try {
      const path = join(folder, 'parley.sqlite');
      const first = await openStore({ kind: 'sqlite', path });
      await first.store.close();
      const again = await openStore({ kind: 'sqlite', path });
      await again.store.close();
      assert.deepEqual([first.created, again.created], [true, false]);

      // A mistyped folder is an error that names it, and nothing is created.
      const typo = join(folder, 'dtaa', 'parley.sqlite');
      await assert.rejects(
        openStore({ kind: 'sqlite', path: typo }),
        (error: unknown) =>
          error instanceof StoreLocationError &&
          error.message.includes(join(folder, 'dtaa')) &&
          error.message.startsWith('DATABASE_URL:'),
      );
      assert.equal(existsSync(join(folder, 'dtaa')), false);
      writeFileSync(join(folder, 'a-file'), '');
      await assert.rejects(
        openStore({ kind: 'sqlite', path: join(folder, 'a-file', 'parley.sqlite') }),
        StoreLocationError,
      );

      // The default path's folder (./data) is made.
      const made = await openStore({ kind: 'sqlite', path: typo, createFolder: true });
      await made.store.close();
      assert.deepEqual([made.created, existsSync(typo)], [true, true]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
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
