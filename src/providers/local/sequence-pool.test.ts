import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../spec.ts';
import { SequencePool } from './sequence-pool.ts';

describe('SequencePool', () => {
  it('makes slots on demand up to its capacity, then reuses released ones', async () => {
    let made = 0;
    const pool = new SequencePool(2, () => ++made);
    const first = await pool.acquire();
    const second = await pool.acquire();
    assert.deepEqual([first.item, second.item], [1, 2]);
    first.release();
    first.release();
    const third = await pool.acquire();
    assert.equal(third.item, 1);
    assert.equal(made, 2);
  });

  it('serves waiters first come, first served', async () => {
    const pool = new SequencePool(1, () => 'slot');
    const holder = await pool.acquire();
    const order: string[] = [];
    const waiters = ['a', 'b', 'c'].map((name) =>
      pool.acquire().then((lease) => {
        order.push(name);
        lease.release();
      }),
    );
    assert.equal(pool.waiting, 3);
    holder.release();
    await Promise.all(waiters);
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.equal(pool.waiting, 0);
  });

  it('stops waiting when the signal aborts, and skips that waiter', async () => {
    const pool = new SequencePool(1, () => 'slot');
    const holder = await pool.acquire();
    const controller = new AbortController();
    const abandoned = pool.acquire(controller.signal);
    const next = pool.acquire();
    controller.abort();
    await assert.rejects(abandoned, (error) => error instanceof ProviderError && error.kind === 'aborted');
    assert.equal(pool.waiting, 1);
    holder.release();
    assert.equal((await next).item, 'slot');
    await assert.rejects(pool.acquire(AbortSignal.abort()), { kind: 'aborted' });
  });
});
