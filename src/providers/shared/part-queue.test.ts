import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PartQueue } from './part-queue.ts';

const never = () => false;

describe('PartQueue', () => {
  test('hands items over in order, to a waiting consumer too, then done at the end', async () => {
    const taken: string[] = [];
    const queue = new PartQueue<string>((item) => taken.push(item));
    queue.push('a');
    const waiting = queue.next(never).then(() => queue.next(never));
    queue.push('b');
    assert.deepEqual(await waiting, { done: false, value: 'b' });
    queue.end();
    assert.deepEqual(await queue.next(never), { done: true });
    assert.deepEqual(taken, ['a', 'b']);
  });

  test('a failure comes after the items pushed before it', async () => {
    const queue = new PartQueue<number>();
    queue.push(1);
    queue.fail(new Error('broken'));
    assert.deepEqual(await queue.next(never), { done: false, value: 1 });
    await assert.rejects(queue.next(never), /broken/);
  });

  test('a waiting consumer fails as soon as the producer does', async () => {
    const queue = new PartQueue<number>();
    const waiting = queue.next(never);
    queue.fail(new Error('gone'));
    await assert.rejects(waiting, /gone/);
  });

  test('wake lets a waiting consumer stop early, with items still queued', async () => {
    const queue = new PartQueue<number>();
    let stopped = false;
    const waiting = queue.next(() => stopped);
    queue.wake(); // nothing changed: it keeps waiting
    stopped = true;
    queue.wake();
    assert.deepEqual(await waiting, { done: true });
    queue.push(1);
    assert.deepEqual(await queue.next(() => stopped), { done: true });
  });

  test('a second consumer while one waits is refused', async () => {
    const queue = new PartQueue<number>();
    const first = queue.next(never);
    await assert.rejects(queue.next(never), /one consumer/);
    queue.push(7);
    assert.deepEqual(await first, { done: false, value: 7 });
  });
});
