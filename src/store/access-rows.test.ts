import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toAuditEntry, toKey, toSession, toUser } from './access-rows.ts';

const user = {
  id: 'u1',
  name: 'ada',
  role: 'admin',
  password_hash: null,
  email: 'ada@example.com',
  external_issuer: null,
  external_subject: null,
  created_at: 1_700_000_000_000,
  updated_at: 1_700_000_000_001,
  disabled_at: null,
};

describe('access rows, as either driver hands them over', () => {
  test('bigints read the same as numbers (SQLite), decimal strings (pg unparsed) and bigints (readBigInts)', () => {
    const expected = toUser(user);
    assert.equal(expected.createdAt, 1_700_000_000_000);
    assert.deepEqual(toUser({ ...user, created_at: '1700000000000', updated_at: '1700000000001' }), expected);
    assert.deepEqual(
      toUser({ ...user, created_at: 1_700_000_000_000n, updated_at: 1_700_000_000_001n }),
      expected,
    );
    assert.equal(toAuditEntry({ id: '42', actor_name: 'ada', action: 'key.revoke', created_at: 5 }).id, 42);
  });

  test('NULL given as null or left out (node:sqlite) is null; absent limits are none', () => {
    const session = toSession({ id: 's1', user_id: 'u1', hash: 'h', created_at: 1, expires_at: 2 });
    assert.deepEqual([session.address, session.userAgent], [null, null]);
    const key = toKey({ id: 'k1', user_id: 'u1', name: 'ci', hash: 'h', hint: 'pk-1', created_at: 1 });
    assert.deepEqual([key.models, key.limits, key.expiresAt, key.revokedAt], [null, {}, null, null]);
    const limited = toKey({
      id: 'k1',
      user_id: 'u1',
      name: 'ci',
      hash: 'h',
      hint: 'pk-1',
      models: '["fake-model"]',
      limits: '{"requestsPerMinute":5}',
      created_at: 1,
    });
    assert.deepEqual([limited.models, limited.limits], [['fake-model'], { requestsPerMinute: 5 }]);
  });

  test('a value its column cannot hold is an error naming the column', () => {
    assert.throws(() => toUser({ ...user, role: 'root' }), /column role/);
    assert.throws(() => toUser({ ...user, created_at: '17e11' }), /column created_at/);
    assert.throws(() => toUser({ ...user, created_at: null }), /column created_at/);
    assert.throws(() => toUser({ ...user, name: 7 }), /column name/);
  });
});
