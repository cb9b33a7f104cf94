/**
 * Runs the Store contract on PostgreSQL, plus what is PostgreSQL's own: migrations recorded once,
 * replicas migrating at the same moment, concurrent appends, and plans that use the indexes.
 * Needs PARLEY_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test); each store gets a
 * fresh schema, dropped at the end.
 */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Pool } from 'pg';
import type { ImportedMessage, Store } from '../store.ts';
import { describeAccessStoreContract } from '../access-store-contract.ts';
import { describeSearchContract } from '../search-contract.ts';
import { describeStoreContract } from '../store-contract.ts';
import { postgresMigrations } from './migrations.ts';
import { openPostgresStore, postgresQueries } from './postgres-store.ts';

const connectionString = process.env.PARLEY_TEST_DATABASE_URL ?? '';

if (connectionString === '') {
  describe('PostgreSQL store', {
    skip: 'set PARLEY_TEST_DATABASE_URL to a postgres:// URL to run it',
  }, () => {
    it('runs the Store contract on PostgreSQL', () => {});
  });
} else {
  const schemas: string[] = [];
  const newSchema = () => {
    const schema = `parley_test_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    schemas.push(schema);
    return schema;
  };
  const open = (schema: string, onMigrated?: (applied: readonly number[]) => void): Promise<Store> =>
    openPostgresStore({
      connectionString,
      schema,
      maxConnections: 4,
      ...(onMigrated === undefined ? {} : { onMigrated }),
    });
  const admin = new Pool({ connectionString, max: 2 });
  /** A pool whose connections see `schema`, to look at what a store wrote. */
  const inspect = (schema: string) =>
    new Pool({ connectionString, max: 1, options: `-c search_path=${schema}` });

  after(async () => {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  describeStoreContract('postgres', () => open(newSchema()));
  describeAccessStoreContract('postgres', () => open(newSchema()));
  describeSearchContract('postgres', () => open(newSchema()));

  describe('PostgreSQL store', () => {
    it('records each migration once and applies none again at reopen', async () => {
      const schema = newSchema();
      const applied: (readonly number[])[] = [];
      await (await open(schema, (versions) => applied.push(versions))).close();
      const pool = inspect(schema);
      try {
        const read = async () =>
          (await pool.query('SELECT version, applied_at FROM parley_migrations ORDER BY version')).rows;
        const first = await read();
        assert.deepEqual(
          first.map((row) => row.version),
          postgresMigrations.map((_, index) => index + 1),
        );
        await (await open(schema, (versions) => applied.push(versions))).close();
        assert.deepEqual(await read(), first, 'the second open wrote no migration row');
        // What the start's log line reads to say the tables were just created (or were there).
        assert.deepEqual(applied, [postgresMigrations.map((_, index) => index + 1), []]);
      } finally {
        await pool.end();
      }
    });

    it('finds the summaries of a database written before summaries had a column of their own', async () => {
      const schema = newSchema();
      const before = postgresMigrations.findIndex((migration) => migration.includes('ADD COLUMN summary_of'));
      assert.ok(before > 0, 'the migration that adds the column');
      await admin.query(`CREATE SCHEMA ${schema}`);
      const pool = inspect(schema);
      try {
        await pool.query(
          'CREATE TABLE parley_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)',
        );
        for (const [index, migration] of postgresMigrations.slice(0, before).entries()) {
          await pool.query(migration);
          await pool.query('INSERT INTO parley_migrations VALUES ($1, 0)', [index + 1]);
        }
        await pool.query(`INSERT INTO conversations (id, owner, current_node, created_at, updated_at)
          VALUES ('c', 'alice', 'q2', 1, 1)`);
        const insert = `INSERT INTO messages (id, conversation_id, parent_id, role, content, status, context,
          created_at, updated_at) VALUES ($1, 'c', $2, $3, $4, 'completed', $5, $6, $6)`;
        await pool.query(insert, ['q1', null, 'user', 'first', null, 1]);
        await pool.query(insert, [
          's1',
          'q1',
          'system',
          'a summary',
          '{"summary_of":"q1","summarized_messages":1}',
          2,
        ]);
        // An answer's context is not a summary; neither is a system message with no context.
        await pool.query(insert, ['q2', 'q1', 'assistant', 'answer', '{"window":4096,"summary_id":"s1"}', 3]);
        await pool.query(insert, ['p1', 'q1', 'system', 'a system message', null, 4]);
        const store = await open(schema);
        try {
          const summaries = await store.listSummaries('alice', 'c');
          assert.deepEqual(
            summaries.map((summary) => [summary.id, summary.content, summary.context?.summarized_messages]),
            [['s1', 'a summary', 1]],
          );
        } finally {
          await store.close();
        }
        const { rows } = await pool.query('SELECT id, summary_of FROM messages WHERE summary_of IS NOT NULL');
        assert.deepEqual(rows, [{ id: 's1', summary_of: 'q1' }]);
      } finally {
        await pool.end();
      }
    });

    it('migrates a schema in place: existing conversations get no sampling of their own', async () => {
      const schema = newSchema();
      const before = postgresMigrations.findIndex((migration) =>
        migration.includes('ADD COLUMN temperature'),
      );
      assert.ok(before > 0, 'the migration that adds the columns');
      const pool = inspect(schema);
      try {
        await admin.query(`CREATE SCHEMA ${schema}`);
        await pool.query(
          'CREATE TABLE parley_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)',
        );
        for (const [index, migration] of postgresMigrations.slice(0, before).entries()) {
          await pool.query(migration);
          await pool.query('INSERT INTO parley_migrations (version, applied_at) VALUES ($1, 1)', [index + 1]);
        }
        await pool.query(`INSERT INTO conversations (id, owner, title, system_prompt, created_at, updated_at)
          VALUES ('c', 'alice', 'older', 'Be brief.', 1, 1)`);
      } finally {
        await pool.end();
      }
      const applied: (readonly number[])[] = [];
      const store = await open(schema, (versions) => applied.push(versions));
      try {
        assert.deepEqual(applied, [postgresMigrations.slice(before).map((_, index) => before + index + 1)]);
        const older = await store.getConversation('alice', 'c');
        assert.deepEqual(
          [older?.title, older?.systemPrompt, older?.temperature, older?.maxOutputTokens],
          ['older', 'Be brief.', null, null],
        );
        await store.updateConversation('alice', 'c', { temperature: 0.3, maxOutputTokens: 50 }, 2);
        const updated = await store.getConversation('alice', 'c');
        assert.deepEqual([updated?.temperature, updated?.maxOutputTokens], [0.3, 50]);
      } finally {
        await store.close();
      }
    });

    it('lets replicas that start at once on an empty schema all succeed (the advisory lock)', async () => {
      const schema = newSchema();
      const stores = await Promise.all([open(schema), open(schema), open(schema), open(schema)]);
      await Promise.all(stores.map((store) => store.close()));
      const pool = inspect(schema);
      try {
        const { rows } = await pool.query('SELECT count(*)::integer AS count FROM parley_migrations');
        assert.equal(rows[0]?.count, postgresMigrations.length);
      } finally {
        await pool.end();
      }
    });

    it('refuses a schema name it would have to quote', async () => {
      await assert.rejects(openPostgresStore({ connectionString, schema: 'Robert"; DROP' }), /schema/);
    });

    it('round-trips text that an array literal could misread, and messages too long to index whole', async () => {
      const store = await open(newSchema());
      try {
        const conversationId = randomUUID();
        const tricky = ['NULL', '', 'a "quoted" \\ back, {braced}\nline 😀', "it's"];
        // Unique words well past a tsvector's 1 MB limit: the search index reads only a prefix.
        const long = Array.from({ length: 200_000 }, (_, index) => `w${index.toString(36)}x`).join(' ');
        const ids = [...tricky, long].map(() => randomUUID());
        const written = await store.beginTurn({
          owner: 'o',
          conversationId,
          newConversation: { id: conversationId, title: 'NULL', model: null },
          messages: [...tricky, long].map((content, index) => ({
            id: ids[index] ?? '',
            parentId: index === 0 ? null : (ids[index - 1] ?? null),
            role: 'user' as const,
            content,
            status: 'completed' as const,
            ...(index === 1 ? { model: 'NULL', requestOptions: { a: [1, '}'] } } : {}),
          })),
          now: 1,
        });
        assert.equal(written, true);
        const messages = await store.listMessages('o', conversationId);
        assert.deepEqual(
          messages.map((message) => message.content),
          [...tricky, long],
        );
        assert.deepEqual(
          [messages[1]?.model, messages[1]?.requestOptions, messages[0]?.model],
          ['NULL', { a: [1, '}'] }, null],
        );
        assert.equal((await store.getConversation('o', conversationId))?.title, 'NULL');
        assert.equal((await store.search('o', 'w1x', 10))[0]?.messageId, ids.at(-1));
      } finally {
        await store.close();
      }
    });

    it('chains concurrent appends: each reads the current node the one before wrote', async () => {
      const store = await open(newSchema());
      try {
        const conversationId = randomUUID();
        const root = randomUUID();
        await store.beginTurn({
          owner: 'o',
          conversationId,
          newConversation: { id: conversationId, title: null, model: null },
          messages: [{ id: root, parentId: null, role: 'user', content: 'root', status: 'completed' }],
          now: 1,
        });
        const appended = Array.from({ length: 12 }, () => randomUUID());
        const written = await Promise.all(
          appended.map((id, index) =>
            store.beginTurn({
              owner: 'o',
              conversationId,
              messages: [{ id, parentId: null, role: 'user', content: `m${index}`, status: 'completed' }],
              appendToCurrentNode: true,
              now: 2 + index,
            }),
          ),
        );
        assert.ok(written.every(Boolean));
        const leaf = (await store.getConversation('o', conversationId))?.currentNode ?? '';
        const path = await store.getPath('o', conversationId, leaf);
        assert.equal(path.length, 1 + appended.length, 'one chain, no branch');
        assert.deepEqual(new Set(path.map((message) => message.id)), new Set([root, ...appended]));
      } finally {
        await store.close();
      }
    });

    it('answers the path, children and search queries from indexes, not a scan of messages', async () => {
      const schema = newSchema();
      const store = await open(schema);
      const pool = inspect(schema);
      try {
        // 24 conversations of 250 messages each: 6 000 rows.
        let target: { conversationId: string; leaf: string; middle: string } | undefined;
        for (let index = 0; index < 24; index++) {
          const conversationId = randomUUID();
          const messages = chain(conversationId, 250, index === 7 ? 'zebrafish' : 'filler');
          await store.importConversations([
            {
              conversation: {
                id: conversationId,
                owner: 'o',
                title: `conversation ${index}`,
                model: null,
                currentNode: messages.at(-1)?.id ?? null,
                systemPrompt: null,
                temperature: null,
                maxOutputTokens: null,
                metadata: {},
                createdAt: 1,
                updatedAt: 1,
              },
              messages,
            },
          ]);
          if (index === 7)
            target = { conversationId, leaf: messages.at(-1)?.id ?? '', middle: messages[120]?.id ?? '' };
        }
        assert.ok(target);
        await pool.query('ANALYZE messages; ANALYZE conversations');

        /** How the plan reads `messages`: its scans' node types, and the indexes of messages it uses. */
        const readsOfMessages = async (sql: string, values: unknown[]) => {
          const { rows } = await pool.query(`EXPLAIN (FORMAT JSON) ${sql}`, values);
          const nodes = planNodes(rows[0]?.['QUERY PLAN']);
          const scans = nodes.filter((node) => node['Relation Name'] === 'messages');
          assert.ok(scans.length > 0, 'the plan reads messages');
          const indexes = nodes
            .map((node) => node['Index Name'] ?? '')
            .filter((name) => name.startsWith('messages_'));
          return { types: scans.map((node) => node['Node Type']), indexes: new Set(indexes) };
        };
        const expectations: [string, string, unknown[], string[]][] = [
          [
            'path',
            postgresQueries.getPath,
            [target.leaf, target.conversationId, 'o', null],
            ['messages_pkey'],
          ],
          [
            'counted path',
            postgresQueries.countPath,
            [target.leaf, target.conversationId, 'o'],
            ['messages_pkey'],
          ],
          [
            'children',
            postgresQueries.getChildren,
            [target.conversationId, target.middle, 'o'],
            ['messages_by_parent'],
          ],
          [
            'search',
            postgresQueries.search,
            [["'zebrafish':*"], 'o', "'zebrafish':*", 10],
            // The bounded matches through the text index, then those rows again by their ids.
            ['messages_search', 'messages_pkey'],
          ],
        ];
        for (const [name, sql, values, index] of expectations) {
          const { types, indexes } = await readsOfMessages(sql, values);
          assert.ok(!types.includes('Seq Scan'), `${name} scans messages: ${types.join(', ')}`);
          assert.deepEqual([...indexes], index, `${name} reads messages through ${index.join(' and ')}`);
        }

        // And the answers are right on this larger table.
        assert.equal((await store.getPath('o', target.conversationId, target.leaf)).length, 250);
        assert.equal((await store.getChildren('o', target.conversationId, target.middle)).length, 1);
        assert.equal((await store.search('o', 'zebra', 100)).length, 100);
      } finally {
        await pool.end();
        await store.close();
      }
    });
  });
}

/** A chain of `length` finished messages, each the child of the one before. */
function chain(conversationId: string, length: number, word: string): ImportedMessage[] {
  const messages: ImportedMessage[] = [];
  for (let index = 0; index < length; index++) {
    messages.push({
      id: randomUUID(),
      conversationId,
      parentId: messages.at(-1)?.id ?? null,
      role: index % 2 === 0 ? 'user' : 'assistant',
      content: `${word} number ${index}`,
      model: null,
      provider: null,
      status: 'completed',
      finishReason: null,
      inputTokens: null,
      outputTokens: null,
      error: null,
      requestOptions: null,
      context: null,
      upstreamConversationId: null,
      upstreamMessageId: null,
      deletedAt: null,
      createdAt: 1 + index,
      updatedAt: 1 + index,
    });
  }
  return messages;
}

type PlanNode = { 'Node Type'?: string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };

/** Every node of an `EXPLAIN (FORMAT JSON)` plan. */
function planNodes(explained: unknown): PlanNode[] {
  const root = Array.isArray(explained) ? (explained[0] as { Plan?: PlanNode } | undefined)?.Plan : undefined;
  const nodes: PlanNode[] = [];
  const visit = (node: PlanNode) => {
    nodes.push(node);
    for (const child of node.Plans ?? []) visit(child);
  };
  if (root !== undefined) visit(root);
  return nodes;
}
