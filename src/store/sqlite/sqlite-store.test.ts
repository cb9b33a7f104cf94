/** Runs the Store contract on SQLite, plus what is SQLite's own: the file, WAL and migrations. */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { describeStoreContract } from '../store-contract.ts';
import { sqliteMigrations } from './migrations.ts';
import { openSqliteStore } from './sqlite-store.ts';

const folder = mkdtempSync(join(tmpdir(), 'parley-sqlite-'));
after(() => rmSync(folder, { recursive: true, force: true }));

describeStoreContract('sqlite (file)', async () =>
  openSqliteStore({ path: join(folder, `${randomUUID()}.sqlite`) }),
);
describeStoreContract('sqlite (:memory:)', async () => openSqliteStore({ path: ':memory:' }));

describe('SQLite store', () => {
  it('creates the folder, uses WAL and records the migrations it applied', async () => {
    const path = join(folder, 'nested', 'deeper', 'parley.sqlite');
    const store = openSqliteStore({ path });
    await store.close();
    const database = new DatabaseSync(path);
    assert.equal(
      (database.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode,
      'wal',
    );
    assert.equal(
      (database.prepare('PRAGMA user_version').get() as { user_version: number }).user_version,
      sqliteMigrations.length,
    );
    database.close();
  });

  it('keeps data across reopen and does not re-run migrations', async () => {
    const path = join(folder, 'reopen.sqlite');
    const first = openSqliteStore({ path });
    const conversationId = randomUUID();
    await first.beginTurn({
      owner: 'o',
      conversationId,
      newConversation: { id: conversationId, title: 'kept', model: null },
      messages: [{ id: randomUUID(), parentId: null, role: 'user', content: 'q', status: 'completed' }],
      now: 1,
    });
    await first.close();
    const second = openSqliteStore({ path });
    assert.equal((await second.getConversation('o', conversationId))?.title, 'kept');
    await second.close();
  });

  it('answers the path query from the primary key and children from their index', () => {
    const database = new DatabaseSync(':memory:');
    for (const migration of sqliteMigrations) database.exec(migration);
    const plan = (sql: string) =>
      (database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
        .map((row) => row.detail)
        .join('\n');
    assert.match(
      plan('SELECT * FROM messages WHERE conversation_id = ? AND parent_id = ? ORDER BY created_at'),
      /USING INDEX messages_by_parent/,
    );
    assert.match(
      plan('SELECT parent_id FROM messages WHERE id = ?'),
      /USING INDEX sqlite_autoindex_messages_1/,
    );
    database.close();
  });
});
