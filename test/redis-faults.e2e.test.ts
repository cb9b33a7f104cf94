/**
 * Redis faults under per-key limits, injected for real on a Redis of the test's own: stopped while
 * a limited stream runs (the server must stay up), paused with `CLIENT PAUSE` (requests answer 503
 * at once instead of hanging), closed (503 naming Redis, not 500), and a replica SIGKILLed while
 * holding a stream slot (the slot ages out, and refused tries do not extend it).
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { type OwnRedis, redisServerAvailable, startOwnRedis } from './support/redis-server.ts';
import { askWithKey, createLimitedKey } from './support/limited-keys.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

const ADMIN_KEY = 'sk-admin-redis-faults-0123456789abcdef';
const skip = redisServerAvailable() ? false : 'needs redis-server on PATH';

const createKey = (server: ServerProcess, limits: Record<string, number>) =>
  createLimitedKey(server, ADMIN_KEY, limits);
const ask = askWithKey;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks until the answer is not a 503 (Redis back), or gives up after `ms`. */
async function askUntilServed(server: ServerProcess, key: string, ms: number): Promise<Response> {
  const deadline = Date.now() + ms;
  for (;;) {
    const response = await ask(server, key, { msg: 'again', stream: true });
    if (response.status !== 503 || Date.now() > deadline) return response;
    await response.body?.cancel();
    await sleep(100);
  }
}

describe('Redis faults under per-key limits', { skip }, () => {
  let upstream: FakeOpenAIUpstream;
  let redis: OwnRedis;
  let dataDir: string;

  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    redis = await startOwnRedis();
    dataDir = await mkdtemp(join(tmpdir(), 'parley-redis-faults-'));
  });
  after(async () => {
    await redis?.stop();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const env = (database: string) => ({
    DATABASE_URL: `sqlite:${join(dataDir, database)}`,
    REDIS_URL: redis.url,
    OPENAI_BASE_URL: upstream.baseUrl,
    PARLEY_DEFAULT_MODEL: 'fake-model',
    PARLEY_ADMIN_KEY: ADMIN_KEY,
    PARLEY_REPLICA_TTL_MS: '1500',
  });

  test('Redis stopped during a limited stream: the server stays up, answers 503 naming Redis, recovers', async () => {
    const server = await startServer(env('stopped.sqlite'));
    try {
      const key = await createKey(server, { concurrent_streams: 1, requests_per_minute: 100 });
      upstream.reply({ kind: 'stream', deltas: ['one ', 'two ', 'three ', 'four '], intervalMs: 300 });
      const streaming = await ask(server, key, { msg: 'hi', stream: true });
      assert.equal(streaming.status, 200);
      const reader = (streaming.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      await redis.stop();
      while (!(await reader.read()).done) {}
      // The stream's slot is released while Redis is down, and ioredis gives up on it: this used to
      // end the process with an unhandled MaxRetriesPerRequestError about 3.5 s later.
      await sleep(5_000);
      assert.equal(server.child.exitCode, null, `the server exited:\n${server.output()}`);

      const down = await ask(server, key, { msg: 'while down', stream: true });
      assert.equal(down.status, 503);
      assert.ok(Number(down.headers.get('retry-after')) >= 1);
      const { code, msg } = (await down.json()) as { code: number; msg: string };
      assert.equal(code, 1);
      assert.match(msg, /Redis/);
      assert.doesNotMatch(server.output(), /Unhandled error event|triggerUncaughtException/);

      await redis.start();
      const back = await askUntilServed(server, key, 10_000);
      assert.equal(back.status, 200);
      await back.text();
      assert.equal(server.child.exitCode, null);
    } finally {
      await server.kill();
      await redis.start().catch(() => {});
    }
  });

  test('Redis that accepts but does not answer (CLIENT PAUSE): 503 at once, not a hung request', async () => {
    const server = await startServer(env('paused.sqlite'));
    try {
      const key = await createKey(server, { requests_per_minute: 100 });
      assert.equal((await ask(server, key, { msg: 'before' })).status, 200);
      // Redis blocks every client for 6 s, its own CLIENT UNPAUSE included.
      assert.equal(redis.cli('CLIENT', 'PAUSE', '6000', 'ALL'), 'OK');
      // Before the fix this request got no answer until the pause ended (a 200 after 6 s).
      const paused = await ask(server, key, { msg: 'paused' });
      assert.equal(paused.status, 503);
      assert.match(((await paused.json()) as { msg: string }).msg, /Redis did not answer/);
      // Requests no limit applies to are served as before.
      const unlimited = await fetch(`${server.baseUrl}/api/conversations`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      assert.equal(unlimited.status, 200);
      assert.equal((await askUntilServed(server, key, 15_000)).status, 200);
    } finally {
      await server.kill();
    }
  });

  test('Redis port closed: a 503 naming Redis in each surface shape, never a 500', async () => {
    const server = await startServer(env('closed.sqlite'));
    try {
      const key = await createKey(server, { tokens_per_minute: 1_000 });
      await redis.stop();
      const seed = await ask(server, key, { msg: 'hi' });
      assert.equal(seed.status, 503);
      assert.match(((await seed.json()) as { msg: string }).msg, /Redis is unreachable/);
      const v1 = await fetch(`${server.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(v1.status, 503);
      const { error } = (await v1.json()) as { error: { type: string; message: string } };
      assert.equal(error.type, 'service_unavailable');
      assert.match(error.message, /Redis/);
      assert.equal(server.child.exitCode, null);
      // The outage is logged where Redis drops; each refused request is one warning, no stack.
      for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
        if ((server.output().match(/"statusCode":503/g) ?? []).length >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const perRequest = server
        .output()
        .split('\n')
        .filter((line) => line.includes('"reqId"'));
      assert.deepEqual(
        perRequest.filter((line) => line.includes('"level":50') || line.includes('"stack"')),
        [],
      );
      assert.equal(perRequest.filter((line) => line.includes('"level":40')).length, 2);
    } finally {
      await server.kill();
      await redis.start().catch(() => {});
    }
  });

  test('a replica killed while streaming: its slot ages out, though the key retries all along', async () => {
    const database = 'killed.sqlite';
    const first = await startServer(env(database));
    const key = await createKey(first, { concurrent_streams: 1 });
    const second = await startServer(env(database));
    try {
      upstream.reply({ kind: 'stream', deltas: ['held '], end: 'hang' });
      const held = await ask(first, key, { msg: 'hold', stream: true });
      assert.equal(held.status, 200);
      await (held.body as ReadableStream<Uint8Array>).getReader().read();
      await first.kill();

      // The dead replica's slot still counts, for a while: the other replica refuses the key.
      const refusedAtOnce = await ask(second, key, { msg: 'now', stream: true });
      assert.equal(refusedAtOnce.status, 429);
      await refusedAtOnce.text();
      // Retrying without pause must not keep it held (each refusal used to push it back an hour).
      let refused = 1;
      const giveUp = Date.now() + 15_000;
      for (;;) {
        const retry = await ask(second, key, { msg: 'retry', stream: true });
        if (retry.status === 200) {
          await retry.text();
          break;
        }
        assert.equal(retry.status, 429);
        await retry.text();
        refused += 1;
        assert.ok(Date.now() < giveUp, `still refused after ${refused} tries`);
      }
      assert.ok(refused > 1);
    } finally {
      await first.kill();
      await second.kill();
    }
  });
});
