/**
 * Two replicas sharing one database and one Redis (PARLEY_TEST_REDIS_URL): a stream started on one
 * resumes on the other after the client dropped; readiness reports Redis, and fails fast without it.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

const redisUrl = process.env.PARLEY_TEST_REDIS_URL;

describe('replicas on shared state', { skip: redisUrl === undefined || redisUrl === '' }, () => {
  let upstream: FakeOpenAIUpstream;
  let dataDir: string;
  let one: ServerProcess;
  let two: ServerProcess;

  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    dataDir = await mkdtemp(join(tmpdir(), 'parley-replicas-'));
    const env = {
      DATABASE_URL: `sqlite:${join(dataDir, 'shared.sqlite')}`,
      REDIS_URL: redisUrl ?? '',
      OPENAI_BASE_URL: upstream.baseUrl,
      PARLEY_DEFAULT_MODEL: 'fake-model',
    };
    one = await startServer(env);
    two = await startServer(env);
  });
  after(async () => {
    await one?.kill();
    await two?.kill();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a stream started on one replica resumes on the other, with exactly the missed events', async () => {
    upstream.reply({ kind: 'stream', deltas: ['red ', 'green ', 'blue ', 'white'], intervalMs: 50 });
    const first = new OpenAI({ baseURL: `${one.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
    const second = new OpenAI({ baseURL: `${two.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = await first.responses.create({ input: 'four colours', stream: true });
    let id = '';
    let lastSeen = -1;
    let before = '';
    for await (const event of stream) {
      if (event.type === 'response.created') id = event.response.id;
      lastSeen = event.sequence_number;
      if (event.type === 'response.output_text.delta') {
        before += event.delta;
        break;
      }
    }
    const resumed = await second.responses.retrieve(id, { stream: true, starting_after: lastSeen });
    let after = '';
    let firstResumed: number | undefined;
    let status: string | undefined;
    for await (const event of resumed) {
      firstResumed ??= event.sequence_number;
      if (event.type === 'response.output_text.delta') after += event.delta;
      if (event.type === 'response.completed') status = event.response.status;
    }
    assert.equal(firstResumed, lastSeen + 1);
    assert.equal(before + after, 'red green blue white');
    assert.equal(status, 'completed');
    assert.equal((await second.responses.retrieve(id)).output_text, 'red green blue white');
  });

  test('a cancel asked on the other replica stops the generation where it runs', async () => {
    upstream.reply({ kind: 'stream', deltas: ['endless ', 'talk '], intervalMs: 20, end: 'hang' });
    const first = new OpenAI({ baseURL: `${one.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
    const second = new OpenAI({ baseURL: `${two.baseUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = await first.responses.create({ input: 'talk forever', stream: true });
    let id = '';
    for await (const event of stream) {
      if (event.type === 'response.created') id = event.response.id;
      if (event.type === 'response.output_text.delta') break;
    }
    const cancelled = await second.responses.cancel(id);
    assert.equal(cancelled.status, 'cancelled');
    const hanging = upstream.lastRequest();
    await hanging.settled;
    assert.equal(hanging.clientClosedEarly, true, 'the replica running it closed the upstream');
  });

  test('/readyz reports Redis, and answers 503 at once when Redis cannot be reached', async () => {
    const ready = await fetch(`${one.baseUrl}/readyz`);
    assert.deepEqual(await ready.json(), { status: 'ok', checks: { database: 'up', redis: 'up' } });
    const orphan = await startServer({
      DATABASE_URL: `sqlite:${join(dataDir, 'orphan.sqlite')}`,
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    try {
      const started = Date.now();
      const response = await fetch(`${orphan.baseUrl}/readyz`);
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), {
        status: 'unavailable',
        checks: { database: 'up', redis: 'down' },
      });
      assert.ok(Date.now() - started < 3_000, 'readiness never hangs');
    } finally {
      await orphan.kill();
    }
  });
});
