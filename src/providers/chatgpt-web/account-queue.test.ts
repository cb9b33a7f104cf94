import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AccountQueue, accountKey, accountQueue, activeAccounts } from './account-queue.ts';

const aborted = () => new Error('aborted');

describe('AccountQueue', () => {
  test('grants the account one call at a time, in order', async () => {
    const queue = new AccountQueue();
    const order: string[] = [];
    const run = async (name: string) => {
      const release = await queue.acquire(undefined, aborted);
      order.push(`start ${name}`);
      await new Promise((resolve) => setImmediate(resolve));
      order.push(`end ${name}`);
      release();
    };
    await Promise.all([run('a'), run('b'), run('c')]);
    assert.deepEqual(order, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    assert.equal(queue.busy, false);
  });

  test('a waiter whose signal aborts leaves the line at once; a second release does nothing', async () => {
    const queue = new AccountQueue();
    const release = await queue.acquire(undefined, aborted);
    const controller = new AbortController();
    const leaving = queue.acquire(controller.signal, aborted);
    const staying = queue.acquire(undefined, aborted);
    assert.equal(queue.waiting, 2);
    controller.abort();
    await assert.rejects(leaving, /aborted/);
    assert.equal(queue.waiting, 1);
    release();
    release();
    const next = await staying;
    assert.equal(queue.busy, true);
    assert.equal(queue.waiting, 0);
    next();
    assert.equal(queue.busy, false);
  });

  test('an already aborted signal is refused without taking the account', async () => {
    const queue = new AccountQueue();
    await assert.rejects(queue.acquire(AbortSignal.abort(), aborted), /aborted/);
    assert.equal(queue.busy, false);
  });

  test('accounts are keyed by a hash, and an idle account is forgotten', async () => {
    const key = accountKey('https://chatgpt.com/backend-api/', 'secret-token');
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.notEqual(key, accountKey('https://proxy.example/api/', 'secret-token'));
    const before = activeAccounts();
    const release = await accountQueue(key).acquire(undefined, aborted);
    assert.equal(activeAccounts(), before + 1);
    release();
    assert.equal(activeAccounts(), before);
    await assert.rejects(accountQueue(key).acquire(AbortSignal.abort(), aborted));
    assert.equal(activeAccounts(), before);
  });
});
