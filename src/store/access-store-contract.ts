/**
 * The AccessStore contract: users, keys, sessions, sign-in failures and the audit log, run on every
 * Store (`store.access`). Called from each implementation's test file beside the Store contract.
 */

import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type ApiKeyRecord, LOCAL_OWNER, type UserRecord, type UserRole } from './access-store.ts';
import type { Store } from './store.ts';
import type { StoreFactory } from './store-contract.ts';

export function newUser(name: string, role: UserRole = 'user', now = 1_000): UserRecord {
  return {
    id: randomUUID(),
    name,
    role,
    passwordHash: null,
    email: null,
    externalIssuer: null,
    externalSubject: null,
    createdAt: now,
    updatedAt: now,
    disabledAt: null,
  };
}

function newKey(userId: string, hash: string, now = 1_000): ApiKeyRecord {
  return {
    id: randomUUID(),
    userId,
    name: `key ${hash}`,
    hash,
    hint: 'sk-parley-ab',
    models: ['model-a'],
    limits: { requestsPerMinute: 5 },
    expiresAt: null,
    createdAt: now,
    revokedAt: null,
  };
}

const LOCAL_BYTES = new Uint8Array([1, 2, 3]);
const LOCAL_SHA256 = createHash('sha256').update(LOCAL_BYTES).digest('hex');

async function ownedConversation(store: Store, owner: string): Promise<string> {
  const conversationId = randomUUID();
  await store.beginTurn({
    owner,
    conversationId,
    attachments: [{ sha256: LOCAL_SHA256, data: LOCAL_BYTES }],
    newConversation: { id: conversationId, title: 'before any user', model: null },
    messages: [{ id: randomUUID(), parentId: null, role: 'user', content: 'hello', status: 'completed' }],
    now: 500,
  });
  return conversationId;
}

export function describeAccessStoreContract(name: string, factory: StoreFactory): void {
  describe(`AccessStore contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
    });

    it('creates users with names unique without regard to case, and finds them', async () => {
      const access = store.access;
      assert.equal(await access.hasUsers(), false);
      const ada = { ...newUser('Ada', 'admin'), email: 'ada@example.com', passwordHash: '$argon2id$x' };
      assert.equal(await access.createUser(ada), true);
      assert.equal(await access.createUser(newUser('ADA')), false, 'the name is taken');
      const sso = {
        ...newUser('grace', 'user', 2_000),
        externalIssuer: 'https://idp',
        externalSubject: 's1',
      };
      assert.equal(await access.createUser(sso), true);
      assert.equal(
        await access.createUser({
          ...newUser('other'),
          externalIssuer: 'https://idp',
          externalSubject: 's1',
        }),
        false,
        'an external identity belongs to one user',
      );
      assert.equal(await access.hasUsers(), true);
      assert.deepEqual(await access.getUser(ada.id), ada);
      assert.deepEqual(await access.findUserByName('aDA'), ada);
      assert.equal(await access.findUserByName('nobody'), undefined);
      assert.deepEqual(await access.findUserByExternalId('https://idp', 's1'), sso);
      assert.equal(await access.findUserByExternalId('https://other', 's1'), undefined);
      assert.deepEqual(
        (await access.listUsers()).map((user) => user.name),
        ['Ada', 'grace'],
      );
      assert.deepEqual(await access.firstAdmin(), ada);
    });

    it('changes a user, refusing a name that another user holds', async () => {
      const access = store.access;
      const ada = newUser('ada', 'admin');
      const bob = newUser('bob');
      await access.createUser(ada);
      await access.createUser(bob);
      assert.equal(await access.updateUser(bob.id, { name: 'ADA' }, 2_000), false);
      assert.equal(await access.updateUser(randomUUID(), { role: 'admin' }, 2_000), undefined);
      const changed = await access.updateUser(
        bob.id,
        { name: 'Bob', disabledAt: 3_000, passwordHash: 'h' },
        4_000,
      );
      assert.deepEqual(changed, {
        ...bob,
        name: 'Bob',
        disabledAt: 3_000,
        passwordHash: 'h',
        updatedAt: 4_000,
      });
      assert.deepEqual(await access.getUser(bob.id), changed);
      await access.updateUser(ada.id, { disabledAt: 5_000 }, 5_000);
      assert.equal(await access.firstAdmin(), undefined, 'a disabled admin is no first admin');
    });

    it('gives what the local user made to the first admin, and only to the first', async () => {
      const access = store.access;
      const before = await ownedConversation(store, LOCAL_OWNER);
      await store.recordUsage([usageOf(LOCAL_OWNER)]);
      const bob = newUser('bob');
      await access.createUser(bob);
      assert.ok(await store.getConversation(LOCAL_OWNER, before), 'a user who is no admin adopts nothing');
      const found = async (owner: string, text: string) =>
        (await store.search(owner, text, 10)).map((hit) => [hit.kind, hit.conversationId]);
      assert.deepEqual(await found(LOCAL_OWNER, 'hello'), [['message', before]], 'indexed before');
      const ada = newUser('ada', 'admin');
      await access.createUser(ada);
      assert.equal(await store.getConversation(LOCAL_OWNER, before), undefined);
      // Search follows the conversation to its new owner, its title and its messages.
      assert.deepEqual(await found(LOCAL_OWNER, 'hello'), []);
      assert.deepEqual(await found(ada.id, 'hello'), [['message', before]]);
      assert.deepEqual(await found(ada.id, 'before any'), [['title', before]]);
      assert.equal((await store.getConversation(ada.id, before))?.title, 'before any user');
      assert.deepEqual([...(await store.getAttachments(ada.id, [LOCAL_SHA256])).keys()], [LOCAL_SHA256]);
      assert.equal((await store.getAttachments(LOCAL_OWNER, [LOCAL_SHA256])).size, 0);
      assert.deepEqual(
        (await store.summarizeUsage({ owner: ada.id })).map((row) => row.requests),
        [1],
      );
      const later = await ownedConversation(store, LOCAL_OWNER);
      await access.createUser(newUser('second-admin', 'admin'));
      await access.updateUser(bob.id, { role: 'admin' }, 3_000);
      assert.ok(await store.getConversation(LOCAL_OWNER, later), 'only the first admin adopts');
    });

    it('makes a user promoted to the first admin adopt the local data', async () => {
      const bob = newUser('bob');
      await store.access.createUser(bob);
      const before = await ownedConversation(store, LOCAL_OWNER);
      await store.access.updateUser(bob.id, { role: 'admin' }, 2_000);
      assert.ok(await store.getConversation(bob.id, before));
    });

    it('stores keys by hash with their user, lists, changes and revokes them', async () => {
      const access = store.access;
      const ada = newUser('ada', 'admin');
      const bob = newUser('bob');
      await access.createUser(ada);
      await access.createUser(bob);
      const adaKey = newKey(ada.id, 'hash-1');
      const bobKey = { ...newKey(bob.id, 'hash-2', 2_000), models: null, expiresAt: 9_000 };
      await access.createKey(adaKey);
      await access.createKey(bobKey);
      await assert.rejects(access.createKey({ ...adaKey, id: randomUUID() }), 'a hash is unique');
      await assert.rejects(access.createKey(newKey(randomUUID(), 'hash-3')), 'a key needs a user');
      assert.deepEqual(await access.findKeyByHash('hash-2'), { credential: bobKey, user: bob });
      assert.equal(await access.findKeyByHash('nope'), undefined);
      assert.deepEqual(await access.getKey(adaKey.id), adaKey);
      assert.deepEqual(
        (await access.listKeys()).map((key) => key.hash),
        ['hash-1', 'hash-2'],
      );
      assert.deepEqual(
        (await access.listKeys(bob.id)).map((key) => key.hash),
        ['hash-2'],
      );
      const changed = await access.updateKey(adaKey.id, { models: null, limits: { tokensPerDay: 10 } });
      assert.deepEqual(changed, { ...adaKey, models: null, limits: { tokensPerDay: 10 } });
      assert.deepEqual(await access.getKey(adaKey.id), changed);
      assert.deepEqual((await access.updateKey(adaKey.id, { name: 'renamed' }))?.limits, {
        tokensPerDay: 10,
      });
      assert.equal(await access.updateKey(randomUUID(), { name: 'x' }), undefined);
      assert.equal(await access.revokeKey(adaKey.id, 3_000), true);
      assert.equal(await access.revokeKey(adaKey.id, 4_000), false);
      assert.equal((await access.findKeyByHash('hash-1'))?.credential.revokedAt, 3_000);
      await access.updateUser(bob.id, { disabledAt: 5_000 }, 5_000);
      assert.equal(
        (await access.findKeyByHash('hash-2'))?.user.disabledAt,
        5_000,
        'the user comes as it is now',
      );
    });

    it('keeps sessions until they expire or end, one or all of a user', async () => {
      const access = store.access;
      const ada = newUser('ada');
      await access.createUser(ada);
      const session = (hash: string, createdAt: number, expiresAt: number) => ({
        id: randomUUID(),
        userId: ada.id,
        hash,
        createdAt,
        expiresAt,
        address: '127.0.0.1',
        userAgent: 'test',
      });
      const first = session('s-1', 1_000, 10_000);
      const second = { ...session('s-2', 2_000, 20_000), address: null, userAgent: null };
      await access.createSession(first);
      await access.createSession(second);
      await access.createSession(session('s-3', 500, 1_500));
      assert.deepEqual(await access.findSessionByHash('s-1', 5_000), { credential: first, user: ada });
      assert.equal(await access.findSessionByHash('s-1', 10_000), undefined, 'expired');
      assert.equal(await access.findSessionByHash('s-3', 5_000), undefined);
      assert.deepEqual(
        (await access.listSessions(ada.id, 5_000)).map((listed) => listed.hash),
        ['s-2', 's-1'],
      );
      assert.equal(await access.deleteSession(first.id), true);
      assert.equal(await access.deleteSession(first.id), false);
      assert.equal(await access.findSessionByHash('s-1', 5_000), undefined);
      assert.equal(await access.deleteUserSessions(ada.id), 2);
      assert.equal(await access.findSessionByHash('s-2', 5_000), undefined);
    });

    it('counts failed sign-ins per scope over a window and forgets old ones', async () => {
      const access = store.access;
      await access.recordLoginFailure(['user:ada', 'address:10.0.0.1'], 1_000, 0);
      await access.recordLoginFailure(['user:ada'], 2_000, 0);
      assert.equal(await access.countLoginFailures('user:ada', 0), 2);
      assert.equal(await access.countLoginFailures('user:ada', 1_500), 1);
      assert.equal(await access.countLoginFailures('address:10.0.0.1', 0), 1);
      await access.recordLoginFailure(['user:ada'], 3_000, 2_500);
      assert.equal(await access.countLoginFailures('user:ada', 0), 1, 'the older two are forgotten');
      await access.clearLoginFailures('user:ada');
      assert.equal(await access.countLoginFailures('user:ada', 0), 0);
      assert.equal(await access.countLoginFailures('address:10.0.0.1', 0), 1);
    });

    it('appends audit entries and lists them newest first, in pages', async () => {
      const access = store.access;
      for (let index = 0; index < 5; index++) {
        await access.appendAudit({
          actorId: index === 0 ? null : 'user-1',
          actorName: index === 0 ? 'server' : 'ada',
          action: `user.step${index}`,
          targetType: 'user',
          targetId: `target-${index}`,
          details: index === 0 ? null : JSON.stringify({ index }),
          address: index === 0 ? null : '127.0.0.1',
          createdAt: 1_000 + index,
        });
      }
      const first = await access.listAudit({ limit: 2 });
      assert.deepEqual(
        first.map((entry) => entry.action),
        ['user.step4', 'user.step3'],
      );
      assert.deepEqual(first[0], {
        id: first[0]?.id,
        actorId: 'user-1',
        actorName: 'ada',
        action: 'user.step4',
        targetType: 'user',
        targetId: 'target-4',
        details: '{"index":4}',
        address: '127.0.0.1',
        createdAt: 1_004,
      });
      const rest = await access.listAudit({ before: first[1]?.id ?? 0, limit: 10 });
      assert.deepEqual(
        rest.map((entry) => [entry.action, entry.actorId]),
        [
          ['user.step2', 'user-1'],
          ['user.step1', 'user-1'],
          ['user.step0', null],
        ],
      );
    });
  });
}

function usageOf(owner: string) {
  return {
    owner,
    keyId: null,
    conversationId: null,
    messageId: null,
    model: 'model-a',
    provider: 'fake',
    inputTokens: 1,
    outputTokens: 1,
    tokensCounted: false,
    cost: null,
    latencyMs: 1,
    firstTokenMs: null,
    status: 'completed',
    createdAt: 1_000,
  };
}
