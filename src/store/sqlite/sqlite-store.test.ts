/** Runs the Store contract on SQLite, plus what is SQLite's own: the file, WAL and migrations. */

import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { describeAccessStoreContract } from '../access-store-contract.ts';
import { describeSearchContract } from '../search-contract.ts';
import { describeStoreContract, importedMessage } from '../store-contract.ts';
import { sqliteMigrations } from './migrations.ts';
import { indexQueuedSql, openSqliteStore } from './sqlite-store.ts';

const folder = mkdtempSync(join(tmpdir(), 'parley-sqlite-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** A database file at the schema of an older release: every migration before the one holding `marker`. */
function databaseBefore(file: string, marker: string): DatabaseSync {
  const database = new DatabaseSync(join(folder, file));
  const before = sqliteMigrations.findIndex((migration) => migration.includes(marker));
  assert.ok(before > 0, `a migration holds ${marker}`);
  for (const migration of sqliteMigrations.slice(0, before)) database.exec(migration);
  database.exec(`PRAGMA user_version = ${before}`);
  return database;
}

describeStoreContract('sqlite (file)', async () =>
  openSqliteStore({ path: join(folder, `${randomUUID()}.sqlite`) }),
);
describeStoreContract('sqlite (:memory:)', async () => openSqliteStore({ path: ':memory:' }));
describeAccessStoreContract('sqlite', async () => openSqliteStore({ path: ':memory:' }));
describeSearchContract('sqlite', async () => openSqliteStore({ path: ':memory:' }));

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

  it('deletes at open what an import left staged when its process stopped', async () => {
    const path = join(folder, 'stopped-import.sqlite');
    const first = openSqliteStore({ path });
    const conversationId = randomUUID();
    const messageId = randomUUID();
    const conversation = {
      id: conversationId,
      owner: 'o',
      title: 'half imported',
      model: null,
      currentNode: messageId,
      systemPrompt: null,
      metadata: {},
      temperature: null,
      maxOutputTokens: null,
      createdAt: 1,
      updatedAt: 1,
    };
    const message = importedMessage({
      id: messageId,
      conversationId,
      parentId: null,
      role: 'user',
      content: 'staged words',
      context: null,
      createdAt: 1,
    });
    const image = new TextEncoder().encode('staged bytes');
    const sha256 = createHash('sha256').update(image).digest('hex');
    const writer = await first.beginImport('o');
    await writer.write({
      conversations: [conversation],
      messages: [{ ...message, parts: [{ type: 'image', attachment: sha256, mediaType: 'image/png' }] }],
      attachments: [{ sha256, data: image }],
    });
    // The process stops here: no commit, no abort.
    await first.close();
    const rows = (file: string, sql: string) => {
      const database = new DatabaseSync(file);
      const { count } = database.prepare(sql).get() as { count: number };
      database.close();
      return count;
    };
    assert.equal(rows(path, 'SELECT count(*) AS count FROM messages'), 1, 'staged before the reopen');
    const second = openSqliteStore({ path });
    assert.equal(await second.getConversation('o', conversationId), undefined);
    await second.close();
    assert.equal(rows(path, 'SELECT count(*) AS count FROM messages'), 0);
    assert.equal(rows(path, 'SELECT count(*) AS count FROM conversations'), 0);
    assert.equal(rows(path, 'SELECT count(*) AS count FROM messages_fts'), 0, 'nor in the search index');
    assert.equal(rows(path, 'SELECT count(*) AS count FROM attachment_owners'), 0);
    assert.equal(rows(path, 'SELECT count(*) AS count FROM attachments'), 0, 'nor its bytes');
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

  it('indexes queued messages from the queue, never by a scan of every message', () => {
    const database = new DatabaseSync(':memory:');
    for (const migration of sqliteMigrations) database.exec(migration);
    for (const upTo of [false, true]) {
      const steps = (
        database.prepare(`EXPLAIN QUERY PLAN ${indexQueuedSql(upTo)}`).all() as { detail: string }[]
      ).map((row) => row.detail);
      assert.match(steps[0] ?? '', /^(SCAN|SEARCH) q\b/, steps.join('\n'));
      assert.ok(
        steps.some((step) => /^SEARCH m USING INTEGER PRIMARY KEY/.test(step)),
        steps.join('\n'),
      );
      assert.ok(!steps.some((step) => /^SCAN m\b/.test(step)), steps.join('\n'));
    }
    database.close();
  });

  it('walks to the root by stored parent rowids, and repairs them when they no longer hold', async () => {
    const path = join(folder, 'parent-rows.sqlite');
    const store = openSqliteStore({ path });
    const conversationId = randomUUID();
    const ids = Array.from({ length: 6 }, () => randomUUID());
    await store.beginTurn({
      owner: 'alice',
      conversationId,
      newConversation: { id: conversationId, title: null, model: null },
      messages: ids.map((id, index) => ({
        id,
        parentId: ids[index - 1] ?? null,
        role: index % 2 === 0 ? 'user' : 'assistant',
        content: `message ${index}`,
        status: 'completed',
      })),
      now: 1_000,
    });
    const database = new DatabaseSync(path);
    const parentRows = () =>
      database
        .prepare(
          `SELECT m.parent_row = p.rowid AS right FROM messages m JOIN messages p ON p.id = m.parent_id
           WHERE m.conversation_id = ?`,
        )
        .all(conversationId)
        .map((row) => row.right);
    assert.deepEqual(parentRows(), [1, 1, 1, 1, 1], 'written with each message');
    // Rowids renumbered under the stored values (as a VACUUM may do): the walk must not follow them.
    database.prepare('UPDATE messages SET parent_row = parent_row + 1 WHERE id = ?').run(ids[3] ?? '');
    database.prepare('UPDATE messages SET parent_row = NULL WHERE id = ?').run(ids[5] ?? '');
    const walked = await store.getPath('alice', conversationId, ids[5] ?? '');
    assert.deepEqual(
      walked.map((message) => message.id),
      ids,
    );
    assert.deepEqual(parentRows(), [1, 1, 1, 1, 1], 'repaired by the walk');
    database.close();
    await store.close();
  });

  it('gives existing messages their depth when it migrates an older database', async () => {
    const path = join(folder, 'older.sqlite');
    const database = databaseBefore('older.sqlite', 'ADD COLUMN depth');
    database.exec(`INSERT INTO conversations (id, owner, current_node, created_at, updated_at)
      VALUES ('c', 'alice', 'c3', 1, 1)`);
    const insert =
      database.prepare(`INSERT INTO messages (id, conversation_id, parent_id, role, content, status,
      created_at, updated_at) VALUES (?, 'c', ?, 'user', 'x', 'completed', 1, 1)`);
    // A branch: c0 ← c1 ← c2 and c0 ← c3.
    for (const [id, parent] of [
      ['c0', null],
      ['c1', 'c0'],
      ['c2', 'c1'],
      ['c3', 'c0'],
    ] as const)
      insert.run(id, parent);
    database.close();
    const store = openSqliteStore({ path });
    assert.deepEqual(
      await Promise.all(['c0', 'c1', 'c2', 'c3'].map((id) => store.countPath('alice', 'c', id))),
      [1, 2, 3, 2],
    );
    await store.close();
  });

  it('finds the summaries of a database written before summaries had a column of their own', async () => {
    const path = join(folder, 'summaries-by-context.sqlite');
    const database = databaseBefore('summaries-by-context.sqlite', 'ADD COLUMN summary_of');
    database.exec(`INSERT INTO conversations (id, owner, current_node, created_at, updated_at)
      VALUES ('c', 'alice', 'q2', 1, 1)`);
    const insert =
      database.prepare(`INSERT INTO messages (id, conversation_id, parent_id, role, content, status,
      context, created_at, updated_at) VALUES (?, 'c', ?, ?, ?, 'completed', ?, ?, ?)`);
    insert.run('q1', null, 'user', 'first', null, 1, 1);
    insert.run('s1', 'q1', 'system', 'a summary', '{"summary_of":"q1","summarized_messages":1}', 2, 2);
    // An answer's context is not a summary; neither is a system prompt with no context.
    insert.run(
      'q2',
      'q1',
      'assistant',
      'answer',
      '{"window":4096,"summarized":true,"summary_id":"s1"}',
      3,
      3,
    );
    insert.run('p1', 'q1', 'system', 'a system message', null, 4, 4);
    database.close();
    const store = openSqliteStore({ path });
    const summaries = await store.listSummaries('alice', 'c');
    assert.deepEqual(
      summaries.map((summary) => [summary.id, summary.content, summary.context?.summarized_messages]),
      [['s1', 'a summary', 1]],
    );
    await store.close();
    const migrated = new DatabaseSync(path);
    assert.deepEqual(
      migrated
        .prepare('SELECT id, summary_of FROM messages WHERE summary_of IS NOT NULL')
        .all()
        .map((row) => ({ ...row })),
      [{ id: 's1', summary_of: 'q1' }],
    );
    migrated.close();
  });

  it('gives existing conversations no sampling of their own when it migrates an older database', async () => {
    const path = join(folder, 'before-sampling.sqlite');
    const database = databaseBefore('before-sampling.sqlite', 'ADD COLUMN temperature');
    database.exec(`INSERT INTO conversations (id, owner, title, system_prompt, created_at, updated_at)
      VALUES ('c', 'alice', 'older', 'Be brief.', 1, 1)`);
    database.close();
    const store = openSqliteStore({ path });
    const older = await store.getConversation('alice', 'c');
    assert.deepEqual(
      [older?.title, older?.systemPrompt, older?.temperature, older?.maxOutputTokens],
      ['older', 'Be brief.', null, null],
    );
    await store.updateConversation('alice', 'c', { temperature: 0.3, maxOutputTokens: 50 }, 2);
    const updated = await store.getConversation('alice', 'c');
    assert.deepEqual([updated?.temperature, updated?.maxOutputTokens], [0.3, 50]);
    await store.close();
  });

  it('keeps every message searchable, by its owner only, when it migrates to the owner-tagged index', async () => {
    const path = join(folder, 'before-owner-tags.sqlite');
    const database = databaseBefore('before-owner-tags.sqlite', 'fts5(owner, content');
    database.exec(`
      INSERT INTO conversations (id, owner, title, created_at, updated_at, deleted_at) VALUES
        ('a1', 'alice', 'Kiwi notes', 1, 3, NULL), ('a2', 'alice', NULL, 1, 2, NULL),
        ('a3', 'alice', 'Kiwi gone', 1, 4, 5), ('b1', 'bob', 'Kiwi too', 1, 5, NULL);
      INSERT INTO messages (id, conversation_id, role, content, status, created_at, updated_at, deleted_at) VALUES
        ('m1', 'a1', 'user', 'a kiwi in the index', 'completed', 1, 1, NULL),
        ('m2', 'a2', 'user', 'kiwi deleted', 'completed', 1, 1, 2),
        ('m3', 'a3', 'user', 'kiwi in a deleted conversation', 'completed', 1, 1, NULL),
        ('m4', 'b1', 'user', 'kiwi of bob', 'completed', 1, 1, NULL);
      INSERT INTO messages_fts (rowid, content) SELECT rowid, content FROM messages WHERE deleted_at IS NULL;
      DELETE FROM messages_fts_queue;
      -- One message still queued for indexing when the server stopped.
      INSERT INTO messages (id, conversation_id, role, content, status, created_at, updated_at) VALUES
        ('m5', 'a2', 'assistant', 'kiwi queued', 'completed', 2, 2);`);
    database.close();
    const store = openSqliteStore({ path });
    const hits = await store.search('alice', 'kiwi', 10);
    assert.deepEqual(
      hits.map((hit) => [hit.kind, hit.conversationId, hit.messageId]),
      [
        ['title', 'a1', null],
        ['message', 'a1', 'm1'],
        ['message', 'a2', 'm5'],
      ],
    );
    assert.deepEqual(
      (await store.search('bob', 'kiwi', 10)).map((hit) => hit.messageId),
      [null, 'm4'],
    );
    await store.close();
  });

  it('indexes finished messages for search shortly after the write, off the write itself', async () => {
    const path = join(folder, 'search-queue.sqlite');
    const store = openSqliteStore({ path });
    const conversationId = randomUUID();
    await store.beginTurn({
      owner: 'alice',
      conversationId,
      newConversation: { id: conversationId, title: null, model: null },
      messages: [
        { id: randomUUID(), parentId: null, role: 'user', content: 'quokka sightings', status: 'completed' },
      ],
      now: 1_000,
    });
    const database = new DatabaseSync(path);
    const indexed = () =>
      (
        database
          .prepare("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'quokka'")
          .get() as {
          n: number;
        }
      ).n;
    assert.equal(indexed(), 0, 'queued, not indexed, by the write');
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    assert.equal(indexed(), 1, 'indexed in the background');
    database.close();
    await store.close();
  });
});
