/**
 * Users through the real server: a database written before users existed migrates with nothing
 * lost (SQLite and PostgreSQL); what the keyless local user made is the first admin's on every
 * surface; two keys of one user share one history; another user's ids are not found on every route
 * that takes an id; and the open/closed rule holds in a running server and after a restart.
 */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Pool } from 'pg';
import { toPublicId } from '../src/http/openai/openai-ids.ts';
import { openPostgresStore } from '../src/store/postgres/postgres-store.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../src/store/store.ts';
import {
  attachmentOf,
  type OldContents,
  oldConversation,
  oldKey,
  writePreUsersPostgres,
  writePreUsersSqlite,
} from './support/pre-people-database.ts';
import { type ServedApp, serveApp } from './support/served-app.ts';

const folder = mkdtempSync(join(tmpdir(), 'parley-people-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** An old database: an admin key, a user key, a revoked key, and a conversation each plus a local one. */
function oldContents(): OldContents & { admin: ReturnType<typeof oldKey>; alice: ReturnType<typeof oldKey> } {
  const admin = oldKey('PARLEY_ADMIN_KEY', 'admin');
  const alice = oldKey('alice', 'user');
  const gone = oldKey('alice', 'user', true);
  return {
    admin,
    alice,
    keys: [admin, alice, gone],
    conversations: [
      oldConversation('local', 'made before any key'),
      oldConversation(`key:${admin.id}`, 'the admin key’s'),
      oldConversation(`key:${alice.id}`, 'alice’s'),
      oldConversation(`key:${gone.id}`, 'the revoked key’s'),
    ],
  };
}

/** Checks, through every surface, that the migrated database kept everything. */
async function checkMigrated(server: ServedApp, store: Store, old: ReturnType<typeof oldContents>) {
  const [local, adminsOwn, alices, revokeds] = old.conversations;
  assert.ok(local && adminsOwn && alices && revokeds);
  const users = await store.access.listUsers();
  assert.deepEqual(
    users.map((user) => [user.id, user.name, user.role]),
    [
      [old.admin.id, 'PARLEY_ADMIN_KEY', 'admin'],
      [old.alice.id, `alice-${old.alice.id.slice(0, 8)}`, 'user'],
      [old.keys[2]?.id, `alice-${old.keys[2]?.id.slice(0, 8)}`, 'user'],
    ],
    'each key became a user with the key’s id and role; a shared name got the id’s start',
  );
  const keys = await store.access.listKeys();
  assert.deepEqual(
    keys.map((key) => [key.id, key.userId, key.revokedAt]),
    old.keys.map((key) => [key.id, key.id, key.revoked === true ? 5_000 : null]),
  );

  // The admin's key sees its own history and the local user's, on every surface.
  const adminIds = new Set([local.id, adminsOwn.id]);
  const seed = await server.call('GET', '/conversations', { key: old.admin.secret });
  assert.deepEqual(new Set(seed.body.items.map((item: { id: string }) => item.id)), adminIds);
  const native = await server.call('GET', '/api/conversations', { key: old.admin.secret });
  assert.deepEqual(new Set(native.body.data.map((item: { id: string }) => item.id)), adminIds);
  const openai = await server.call('GET', '/v1/conversations', { key: old.admin.secret });
  assert.deepEqual(
    new Set(openai.body.data.map((item: { id: string }) => item.id)),
    new Set([...adminIds].map((id) => toPublicId('conv_', id))),
  );
  const history = await server.call('GET', `/conversation/${local.id}`, { key: old.admin.secret });
  assert.equal(history.status, 200);
  assert.equal(
    history.body.mapping[local.messageIds[1]].message.content.parts[0],
    'answer of made before any key',
  );
  const response = await server.call('GET', `/v1/responses/${toPublicId('resp_', local.messageIds[1])}`, {
    key: old.admin.secret,
  });
  assert.equal(response.status, 200);
  assert.equal(response.body.output[0].content[0].text, 'answer of made before any key');

  // Alice's key still reads hers and nobody else's; the revoked key stays refused.
  const alicesList = await server.call('GET', '/api/conversations', { key: old.alice.secret });
  assert.deepEqual(
    alicesList.body.data.map((item: { id: string }) => item.id),
    [alices.id],
  );
  assert.equal(
    (await server.call('GET', `/conversation/${local.id}`, { key: old.alice.secret })).status,
    404,
  );
  assert.equal(
    (await server.call('GET', '/api/conversations', { key: old.keys[2]?.secret ?? '' })).status,
    401,
  );

  // Usage: every row kept, now under its user (the local row under the first admin).
  const usage = await server.call('GET', '/api/usage', { key: old.admin.secret });
  const byOwner = new Map<string, number>();
  for (const row of usage.body.data as { owner: string; requests: number }[])
    byOwner.set(row.owner, (byOwner.get(row.owner) ?? 0) + row.requests);
  assert.deepEqual(Object.fromEntries(byOwner), {
    [old.admin.id]: 2,
    [old.alice.id]: 1,
    [old.keys[2]?.id ?? '']: 1,
  });
  // Stored bytes: the local user's are the first admin's now, each key's its user's.
  const sha = (conversation: typeof local) => attachmentOf(conversation).sha256;
  const adminBytes = await store.getAttachments(old.admin.id, [sha(local), sha(adminsOwn), sha(alices)]);
  assert.deepEqual([...adminBytes.keys()].sort(), [sha(local), sha(adminsOwn)].sort());
  assert.equal((await store.getAttachments(old.alice.id, [sha(alices)])).size, 1);
  assert.equal((await store.getAttachments('local', [sha(local)])).size, 0);
  // Nothing lost: the revoked key's conversation is there for an admin.
  const kept = await server.call('GET', `/api/conversations/${revokeds.id}`, { key: old.admin.secret });
  assert.equal(kept.status, 200);
  assert.equal(kept.body.messages.length, 2);
}

describe('migrating a database written before users existed', () => {
  test('SQLite: each key becomes a user, the local history goes to the first admin, nothing is lost', async () => {
    const path = join(folder, `${randomUUID()}.sqlite`);
    const old = oldContents();
    writePreUsersSqlite(path, old);
    const store = openSqliteStore({ path });
    const server = await serveApp(store);
    try {
      await checkMigrated(server, store, old);
    } finally {
      await server.close();
      await store.close();
    }
  });

  const connectionString = process.env.PARLEY_TEST_DATABASE_URL ?? '';
  test('PostgreSQL: the same migration keeps the same things', {
    skip: connectionString === '' ? 'set PARLEY_TEST_DATABASE_URL to run it' : false,
  }, async () => {
    const schema = `parley_people_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const admin = new Pool({ connectionString, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const pool = new Pool({ connectionString, max: 1, options: `-c search_path=${schema}` });
    try {
      const old = oldContents();
      await writePreUsersPostgres(pool, old);
      const store = await openPostgresStore({ connectionString, schema, maxConnections: 4 });
      const server = await serveApp(store);
      try {
        await checkMigrated(server, store, old);
      } finally {
        await server.close();
        await store.close();
      }
    } finally {
      await pool.end();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  });
});

describe('users on one server', () => {
  test('the local history is the first admin’s; revoking every key does not reopen, nor does a restart', async () => {
    const path = join(folder, `${randomUUID()}.sqlite`);
    let store = openSqliteStore({ path });
    let server = await serveApp(store);
    try {
      const asked = await server.call('POST', '/ask', { body: { msg: 'before any key' } });
      assert.equal(asked.status, 200);
      const conversationId: string = asked.body.data.conversation_id;
      // The first key made on an open server gets the first admin as its user, who adopts the history.
      const created = await server.call('POST', '/api/keys', { body: { name: 'mine' } });
      assert.equal(created.status, 201);
      assert.equal(created.body.role, 'admin');
      const key: string = created.body.key;
      assert.equal((await server.call('GET', '/conversations')).status, 401, 'closed at once');
      const seed = await server.call('GET', '/conversations', { key });
      assert.deepEqual(
        seed.body.items.map((item: { id: string }) => item.id),
        [conversationId],
      );
      const openai = await server.call('GET', '/v1/conversations', { key });
      assert.deepEqual(
        openai.body.data.map((item: { id: string }) => item.id),
        [toPublicId('conv_', conversationId)],
      );
      const native = await server.call('GET', `/api/conversations/${conversationId}`, { key });
      assert.equal(native.body.owner, created.body.user_id);
      const continued = await server.call('POST', '/ask', {
        key,
        body: { msg: 'after the key', conversation_id: conversationId, parent_id: asked.body.data.parent_id },
      });
      assert.equal(continued.status, 200);

      assert.equal((await server.call('DELETE', `/api/keys/${created.body.id}`, { key })).status, 200);
      assert.equal((await server.call('GET', '/conversations')).status, 401, 'still closed without keys');
      await server.close();
      await store.close();
      store = openSqliteStore({ path });
      server = await serveApp(store);
      assert.equal((await server.call('GET', '/conversations')).status, 401, 'still closed after a restart');
      await server.close();

      // Only the explicit setting reopens it: then a request without credentials is the first admin.
      server = await serveApp(store, { PARLEY_AUTH_DISABLED: 'true' });
      const reopened = await server.call('GET', '/conversations');
      assert.equal(reopened.status, 200);
      assert.deepEqual(
        reopened.body.items.map((item: { id: string }) => item.id),
        [conversationId],
      );
    } finally {
      await server.close();
      await store.close();
    }
  });

  test('two keys of one user see one history; another user’s ids are not found on every route', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const server = await serveApp(store, { PARLEY_ADMIN_KEY: 'sk-admin-people-0123456789abcdef' });
    const admin = 'sk-admin-people-0123456789abcdef';
    try {
      const laptop = await server.call('POST', '/api/keys', { key: admin, body: { name: 'alice' } });
      assert.equal(laptop.status, 201);
      assert.equal(laptop.body.role, 'user');
      const phone = await server.call('POST', '/api/keys', {
        key: admin,
        body: { name: 'alice-phone', user_id: laptop.body.user_id },
      });
      assert.equal(phone.status, 201);
      assert.equal(phone.body.user_id, laptop.body.user_id);
      const bob = await server.call('POST', '/api/keys', { key: admin, body: { name: 'bob' } });
      assert.notEqual(bob.body.user_id, laptop.body.user_id);

      const asked = await server.call('POST', '/ask', {
        key: laptop.body.key,
        body: { msg: 'from the laptop' },
      });
      const { conversation_id: conversationId, parent_id: answerId } = asked.body.data;
      const tree = await server.call('GET', `/api/conversations/${conversationId}`, { key: phone.body.key });
      assert.equal(tree.status, 200, 'the phone reads what the laptop wrote');
      const questionId: string = tree.body.messages[0].id;
      const fromPhone = await server.call('POST', '/ask', {
        key: phone.body.key,
        body: { msg: 'from the phone', conversation_id: conversationId, parent_id: answerId },
      });
      assert.equal(fromPhone.status, 200);
      const onLaptop = await server.call('GET', '/v1/conversations', { key: laptop.body.key });
      assert.deepEqual(
        onLaptop.body.data.map((item: { id: string }) => item.id),
        [toPublicId('conv_', conversationId)],
      );
      const keysOfAlice = await server.call('GET', '/api/keys', { key: phone.body.key });
      assert.deepEqual(
        keysOfAlice.body.data.map((entry: { id: string }) => entry.id).sort(),
        [laptop.body.id, phone.body.id].sort(),
      );

      // Every route that takes an id, with Alice's ids, as Bob.
      const ids: Record<string, string> = {
        conversation: conversationId,
        message: answerId,
        conv_: toPublicId('conv_', conversationId),
        resp_: toPublicId('resp_', answerId),
        msg_: toPublicId('msg_', questionId),
        key: laptop.body.id,
      };
      const bodies: Record<string, unknown> = {
        'PATCH /api/conversations/:id': { title: 'stolen' },
        'POST /api/conversations/:id/fork': { message_id: answerId },
        'POST /api/conversations/:id/messages': { content: 'steal', parent_id: answerId },
        'POST /api/conversations/:id/messages/:messageId/edit': { content: 'steal' },
        'POST /api/conversations/:id/messages/:messageId/regenerate': {},
        'POST /api/conversations/:id/messages/:messageId/continue': {},
        'POST /conversation/:id/title': { title: 'stolen' },
        'POST /conversation/:id/delete': {},
        'POST /conversation/:id/gen_title': {},
        'PATCH /api/keys/:id': { name: 'stolen' },
        'POST /v1/conversations/:id': { metadata: { stolen: 'yes' } },
        'POST /v1/conversations/:id/items': { items: [{ type: 'message', role: 'user', content: 'steal' }] },
        'POST /v1/responses/:id/cancel': {},
        'PATCH /api/users/:id': { role: 'user' },
      };
      const tried: string[] = [];
      for (const route of server.parley.routes) {
        if (!route.url.includes(':') || route.url === '/v1/models/:id') continue;
        const v1 = route.url.startsWith('/v1/');
        const path = route.url
          .replace(':sha256', 'ab'.repeat(32))
          .replace(':messageId', ids.message ?? '')
          .replace(':itemId', ids.msg_ ?? '')
          .replace(
            ':id',
            route.url.startsWith('/api/keys')
              ? (ids.key ?? '')
              : route.url.startsWith('/api/users')
                ? laptop.body.user_id
                : route.url.startsWith('/v1/responses')
                  ? (ids.resp_ ?? '')
                  : v1
                    ? (ids.conv_ ?? '')
                    : (ids.conversation ?? ''),
          );
        const name = `${route.method} ${route.url}`;
        const body = bodies[name] ?? (route.method === 'POST' ? {} : undefined);
        const answer = await server.call(route.method, path, {
          key: bob.body.key,
          ...(body === undefined ? {} : { body }),
        });
        // The users API is for admins only: there a user who is no admin is refused before any lookup.
        const expected = route.url.startsWith('/api/users') ? 403 : 404;
        assert.equal(answer.status, expected, `${name} as another user: ${JSON.stringify(answer.body)}`);
        tried.push(name);
      }
      assert.ok(tried.length >= 25, `every route with an id was tried (${tried.length})`);
      // Continuing through the other surfaces is refused the same way.
      const continues = [
        server.call('POST', '/ask', {
          key: bob.body.key,
          body: { msg: 'steal', conversation_id: conversationId, parent_id: answerId },
        }),
        server.call('POST', '/v1/responses', {
          key: bob.body.key,
          body: { model: 'scripted-model', input: 'steal', previous_response_id: ids.resp_ },
        }),
        server.call('POST', '/v1/responses', {
          key: bob.body.key,
          body: { model: 'scripted-model', input: 'steal', conversation: ids.conv_ },
        }),
      ];
      for (const answer of await Promise.all(continues)) assert.equal(answer.status, 404);
      assert.equal(
        (await server.call('GET', `/api/conversations?owner=${laptop.body.user_id}`, { key: bob.body.key }))
          .status,
        400,
      );
      // Alice's conversation is untouched, and her keys still work.
      const after = await server.call('GET', `/api/conversations/${conversationId}`, {
        key: laptop.body.key,
      });
      assert.equal(after.status, 200);
      assert.equal(after.body.title, 'from the laptop');
      assert.equal(after.body.messages.length, 4);
    } finally {
      await server.close();
      await store.close();
    }
  });
});
