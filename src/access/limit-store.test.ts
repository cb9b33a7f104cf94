/** The limit counters, held to one contract in memory and (with PARLEY_TEST_REDIS_URL) in Redis. */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { limitConnectionOptions, RedisLimitStore } from '../infra/redis-limit-store.ts';
import { type LimitStore, MemoryLimitStore, MINUTE_MS } from './limit-store.ts';
import { Limiter, RateLimitError } from './limiter.ts';

const redisUrl = process.env.PARLEY_TEST_REDIS_URL;
const NOW = Date.UTC(2026, 10, 25, 10, 30, 15);

function describeLimitStore(name: string, open: () => LimitStore): void {
  describe(`limit store: ${name}`, () => {
    const store = open();
    after(() => store.close());

    it('admits exactly the limit under concurrent requests, then resets with the next minute', async () => {
      const key = randomUUID();
      const results = await Promise.all(Array.from({ length: 40 }, () => store.takeRequest(key, 7, NOW)));
      assert.equal(results.filter((result) => result.allowed).length, 7);
      assert.ok(results.every((result) => result.resetMs === MINUTE_MS - 15_000));
      assert.deepEqual(
        results
          .filter((result) => result.allowed)
          .map((result) => result.count)
          .sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7],
      );
      const nextMinute = await store.takeRequest(key, 7, NOW + MINUTE_MS);
      assert.deepEqual([nextMinute.allowed, nextMinute.count], [true, 1]);
    });

    it('adds tokens to the minute and the day, each window on its own', async () => {
      const key = randomUUID();
      await store.addUsage(key, 100, 0, NOW);
      await store.addUsage(key, 50, 2_500, NOW);
      const now = await store.tokens(key, NOW);
      assert.deepEqual([now.minute, now.day, now.spentDay], [150, 150, 2_500]);
      const later = await store.tokens(key, NOW + MINUTE_MS);
      assert.deepEqual([later.minute, later.day, later.spentDay], [0, 150, 2_500]);
    });

    it('holds at most the limit of open streams under concurrency, and frees them on close', async () => {
      const key = randomUUID();
      const slots = Array.from({ length: 10 }, () => randomUUID());
      const opened = await Promise.all(slots.map((slot) => store.openStream(key, 3, slot, 60_000)));
      assert.equal(opened.filter(Boolean).length, 3);
      const held = slots.filter((_slot, index) => opened[index] === true);
      await store.closeStream(key, held[0] ?? '');
      // Closing a slot twice, or one never taken, frees nothing more.
      await store.closeStream(key, held[0] ?? '');
      await store.closeStream(key, randomUUID());
      assert.equal(await store.openStream(key, 3, randomUUID(), 60_000), true);
      assert.equal(await store.openStream(key, 3, randomUUID(), 60_000), false);
    });
  });
}

describeLimitStore('memory', () => new MemoryLimitStore());
if (redisUrl !== undefined && redisUrl !== '') {
  describeLimitStore('redis', () => new RedisLimitStore(new Redis(redisUrl, limitConnectionOptions)));

  describe('limit store: redis stream slots', () => {
    const store = new RedisLimitStore(new Redis(redisUrl, limitConnectionOptions));
    after(() => store.close());

    it('lets a slot whose holder stopped refreshing lapse, and refused tries never extend it', async () => {
      const key = randomUUID();
      assert.equal(await store.openStream(key, 1, 'dead-holder', 400), true);
      // Refused tries, back to back, until the dead holder's slot lapses: with a refusal that
      // pushed the deadline back, this would never end.
      let refused = 0;
      const giveUp = Date.now() + 10_000;
      while (!(await store.openStream(key, 1, randomUUID(), 400))) {
        refused += 1;
        assert.ok(Date.now() < giveUp, `still refused after ${refused} tries`);
      }
      assert.ok(refused > 0);
    });

    it('keeps a refreshed slot past its first deadline', async () => {
      const key = randomUUID();
      assert.equal(await store.openStream(key, 1, 'holder', 300), true);
      for (let step = 0; step < 5; step += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await store.refreshStream(key, 'holder', 300);
        assert.equal(await store.openStream(key, 1, randomUUID(), 300), false);
      }
      await store.closeStream(key, 'holder');
      assert.equal(await store.openStream(key, 1, randomUUID(), 300), true);
    });
  });
} else {
  describe.skip('limit store: redis (set PARLEY_TEST_REDIS_URL to run)', () => {});
}

describe('limiter', () => {
  const principal = (limits: Record<string, number>) => ({
    owner: 'user-x',
    userId: 'user-x',
    name: 'x',
    sessionId: null,
    keyId: randomUUID(),
    role: 'user' as const,
    models: null,
    limits,
  });

  it('sends x-ratelimit headers, then refuses with retry-after and the headers', async () => {
    const limiter = new Limiter(new MemoryLimitStore(), { now: () => NOW });
    const caller = principal({ requestsPerMinute: 2, tokensPerMinute: 1_000 });
    const first = await limiter.admit(caller, false);
    assert.deepEqual(first.headers, {
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '1000',
      'x-ratelimit-reset-tokens': '45s',
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '1',
      'x-ratelimit-reset-requests': '45s',
    });
    await limiter.admit(caller, false);
    await assert.rejects(limiter.admit(caller, false), (error: unknown) => {
      assert.ok(error instanceof RateLimitError);
      assert.equal(error.status, 429);
      assert.equal(error.limit, 'requests_per_minute');
      assert.equal(error.retryAfterSeconds, 45);
      assert.equal(error.headers['x-ratelimit-remaining-requests'], '0');
      return true;
    });
  });

  it('refuses once the tokens spent reach the minute or day budget', async () => {
    const limiterStore = new MemoryLimitStore();
    const limiter = new Limiter(limiterStore, { now: () => NOW });
    const caller = principal({ tokensPerMinute: 100, tokensPerDay: 150 });
    await limiter.admit(caller, false);
    await limiter.addUsage(caller.keyId, 100, null);
    await assert.rejects(limiter.admit(caller, false), { limit: 'tokens_per_minute' });
    // A minute later the minute budget is back, but the day's is spent.
    const later = new Limiter(limiterStore, { now: () => NOW + MINUTE_MS });
    await later.addUsage(caller.keyId, 50, null);
    await assert.rejects(later.admit(caller, false), { limit: 'tokens_per_day' });
  });

  it('refuses once the money spent today reaches the daily budget', async () => {
    const limiter = new Limiter(new MemoryLimitStore(), { now: () => NOW });
    const caller = principal({ budgetPerDay: 0.5 });
    await limiter.addUsage(caller.keyId, 1_000, 0.3);
    await limiter.admit(caller, false);
    await limiter.addUsage(caller.keyId, 1_000, 0.2);
    await assert.rejects(limiter.admit(caller, false), { limit: 'budget_per_day' });
  });

  it('counts only streams against concurrent_streams, and release frees the slot once', async () => {
    const limiter = new Limiter(new MemoryLimitStore(), { now: () => NOW });
    const caller = principal({ concurrentStreams: 1 });
    const stream = await limiter.admit(caller, true);
    await limiter.admit(caller, false);
    await assert.rejects(limiter.admit(caller, true), { limit: 'concurrent_streams' });
    await stream.release();
    await stream.release();
    const again = await limiter.admit(caller, true);
    await assert.rejects(limiter.admit(caller, true), { limit: 'concurrent_streams' });
    await again.release();
  });

  it('lets callers without a key or limits through untouched', async () => {
    const limiter = new Limiter(new MemoryLimitStore(), { now: () => NOW });
    const admission = await limiter.admit({ ...principal({}), keyId: null }, true);
    assert.deepEqual(admission.headers, {});
  });
});
