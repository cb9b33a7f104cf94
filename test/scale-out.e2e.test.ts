/**
 * Scale-out end to end: two replicas on PostgreSQL (PARLEY_TEST_DATABASE_URL, a fresh schema) and
 * a Redis of the test's own (so it can be stopped), behind Debian's nginx configured from
 * `deploy/nginx/parley.conf`. Conversations continue across replicas, streams pass nginx
 * unbuffered, limits are shared, a stream resumes on the other replica after the first is
 * killed, and readiness follows Redis going away and coming back.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import pg from 'pg';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { type Nginx, nginxAvailable, startNginx } from './support/nginx.ts';
import { type OwnRedis, redisServerAvailable, startOwnRedis } from './support/redis-server.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

const databaseUrl = process.env.PARLEY_TEST_DATABASE_URL;
const skip =
  databaseUrl === undefined || databaseUrl === '' || process.env.PARLEY_TEST_REDIS_URL === undefined
    ? 'needs PARLEY_TEST_DATABASE_URL and PARLEY_TEST_REDIS_URL'
    : !nginxAvailable() || !redisServerAvailable()
      ? 'needs nginx and redis-server on PATH (Debian: apt-get install nginx-light redis-server)'
      : false;

const ADMIN_KEY = 'sk-admin-scale-out-0123456789abcdef';

describe('scale-out: replicas on PostgreSQL and Redis behind nginx', { skip }, () => {
  let upstream: FakeOpenAIUpstream;
  let redis: OwnRedis;
  let schema: string;
  let one: ServerProcess;
  let two: ServerProcess;
  let nginx: Nginx;
  const auth = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    redis = await startOwnRedis();
    schema = `parley_scale_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const separator = (databaseUrl ?? '').includes('?') ? '&' : '?';
    const env = {
      DATABASE_URL: `${databaseUrl}${separator}options=-c%20search_path%3D${schema}`,
      REDIS_URL: redis.url,
      OPENAI_BASE_URL: upstream.baseUrl,
      PARLEY_DEFAULT_MODEL: 'fake-model',
      PARLEY_ADMIN_KEY: ADMIN_KEY,
      PARLEY_REPLICA_TTL_MS: '1500',
      PARLEY_STREAM_FLUSH_MS: '10',
    };
    one = await startServer(env);
    two = await startServer(env);
    nginx = await startNginx([one.baseUrl.replace('http://', ''), two.baseUrl.replace('http://', '')]);
  });

  after(async () => {
    await nginx?.stop();
    await one?.kill();
    await two?.kill();
    await redis?.stop();
    await upstream.close();
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  test('a conversation continues across replicas through nginx', async () => {
    let ids: { parent_id: string; conversation_id: string } | undefined;
    for (const question of ['one', 'two', 'three', 'four']) {
      const response = await fetch(`${nginx.baseUrl}/ask`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ msg: question, ...(ids === undefined ? {} : ids) }),
      });
      assert.equal(response.status, 200);
      ids = ((await response.json()) as { data: typeof ids }).data;
    }
    assert.deepEqual(
      (upstream.lastRequest().body as { messages: { content: string }[] }).messages.map(
        (message) => message.content,
      ),
      ['one', 'echo: one', 'two', 'echo: two', 'three', 'echo: three', 'four'],
    );
    // Two asks on the same parent at once, on whichever replicas: both succeed, as siblings.
    const [left, right] = await Promise.all(
      ['left', 'right'].map(async (question) => {
        const response = await fetch(`${nginx.baseUrl}/ask`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ msg: question, ...ids }),
        });
        assert.equal(response.status, 200);
        return ((await response.json()) as { data: { parent_id: string } }).data.parent_id;
      }),
    );
    const tree = (await (
      await fetch(`${nginx.baseUrl}/api/conversations/${ids?.conversation_id}`, { headers: auth })
    ).json()) as {
      current_node: string;
      messages: { id: string; parent_id: string | null; children: string[] }[];
    };
    const parent = tree.messages.find((message) => message.id === ids?.parent_id);
    assert.equal(parent?.children.length, 2, 'two questions under the same answer');
    assert.ok([left, right].includes(tree.current_node), 'current_node is one of the two answers');

    const served = await Promise.all(
      [one, two].map(async (server) => {
        const metrics = await (
          await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
        ).text();
        return Number(
          /parley_http_requests_total\{method="POST",route="\/ask",status="200"\} (\d+)/.exec(metrics)?.[1] ??
            0,
        );
      }),
    );
    assert.ok(
      served.every((count) => count > 0),
      `both replicas answered (${served.join(', ')})`,
    );
  });

  test('streams pass nginx unbuffered', async () => {
    upstream.reply({ kind: 'stream', deltas: ['first ', 'second '], intervalMs: 10, end: 'hang' });
    const controller = new AbortController();
    const response = await fetch(`${nginx.baseUrl}/ask`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ msg: 'stream please', stream: true }),
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    // The upstream never ends this stream: the first event can only arrive if nothing buffers it.
    const first = await Promise.race([
      reader?.read(),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5_000)),
    ]);
    controller.abort();
    assert.ok(first !== undefined && !first.done, 'an event arrived through nginx before the stream ended');
    assert.match(new TextDecoder().decode(first.value), /"delta":"first "/);
  });

  test('limits are shared by the replicas', async () => {
    const created = await fetch(`${nginx.baseUrl}/api/keys`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'shared-limit', limits: { requests_per_minute: 5 } }),
    });
    const key = ((await created.json()) as { key: string }).key;
    const statuses = await Promise.all(
      Array.from({ length: 12 }, async (_, index) => {
        const response = await fetch(`${nginx.baseUrl}/ask`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ msg: `r${index}` }),
        });
        await response.text();
        return response.status;
      }),
    );
    assert.equal(statuses.filter((status) => status === 200).length, 5, statuses.join(','));
  });

  test('a stream resumes on the other replica after the first is killed, ending explicitly', async () => {
    upstream.reply({ kind: 'stream', deltas: ['kept ', 'text '], intervalMs: 20, end: 'hang' });
    const onOne = new OpenAI({ baseURL: `${one.baseUrl}/v1`, apiKey: ADMIN_KEY, maxRetries: 0 });
    const onTwo = new OpenAI({ baseURL: `${two.baseUrl}/v1`, apiKey: ADMIN_KEY, maxRetries: 0 });
    const stream = await onOne.responses.create({ input: 'this replica will die', stream: true });
    let id = '';
    let firstDelta = -1;
    let deltas = 0;
    for await (const event of stream) {
      if (event.type === 'response.created') id = event.response.id;
      if (event.type === 'response.output_text.delta') {
        if (firstDelta === -1) firstDelta = event.sequence_number;
        deltas += 1;
        if (deltas === 2) break;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the last flush land
    await one.kill(); // SIGKILL: no clean-up at all

    const resumed = await onTwo.responses.retrieve(id, { stream: true, starting_after: firstDelta });
    const types: string[] = [];
    let missed = '';
    for await (const event of resumed) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') missed += event.delta;
    }
    assert.equal(missed, 'text ', 'exactly the delta after the one seen');
    assert.equal(types.at(-1), 'response.failed', 'the reaper ended the stream explicitly');
    const stored = await onTwo.responses.retrieve(id);
    assert.equal(stored.status, 'failed');
    assert.equal(stored.output_text, 'kept text ');
  });

  test('/readyz fails fast while Redis is down and recovers when it returns', async () => {
    assert.equal((await fetch(`${two.baseUrl}/readyz`)).status, 200);
    await redis.stop();
    const down = await fetch(`${two.baseUrl}/readyz`);
    assert.equal(down.status, 503);
    assert.deepEqual(((await down.json()) as { checks: unknown }).checks, { database: 'up', redis: 'down' });
    await redis.start();
    let status = 0;
    for (const deadline = Date.now() + 10_000; status !== 200 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await fetch(`${two.baseUrl}/readyz`)).status;
    }
    assert.equal(status, 200);
  });
});
