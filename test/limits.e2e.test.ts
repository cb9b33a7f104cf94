/**
 * Per-key limits through real server processes: refusals are 429s with `retry-after` and
 * `x-ratelimit-*` before any upstream call, concurrent streams are capped, and with Redis two
 * replicas share one count exactly (PARLEY_TEST_REDIS_URL).
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { askWithKey, createLimitedKey } from './support/limited-keys.ts';
import { createPostgresSchema, postgresTestUrl } from './support/postgres-schema.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

const ADMIN_KEY = 'sk-admin-limits-0123456789abcdef';
const redisUrl = process.env.PARLEY_TEST_REDIS_URL;

const createKey = (server: ServerProcess, limits: Record<string, number>) =>
  createLimitedKey(server, ADMIN_KEY, limits);
const ask = askWithKey;

describe('per-key limits end to end', () => {
  let upstream: FakeOpenAIUpstream;
  let dataDir: string;

  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    dataDir = await mkdtemp(join(tmpdir(), 'parley-limits-'));
  });
  after(async () => {
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const env = (database: string, extra: Record<string, string> = {}) => ({
    DATABASE_URL: `sqlite:${join(dataDir, database)}`,
    OPENAI_BASE_URL: upstream.baseUrl,
    PARLEY_DEFAULT_MODEL: 'fake-model',
    PARLEY_ADMIN_KEY: ADMIN_KEY,
    PARLEY_LOG_LEVEL: 'info',
    ...extra,
  });

  test('requests per minute: 429 with retry-after and x-ratelimit headers, before the upstream', async () => {
    const server = await startServer(env('rpm.sqlite'));
    try {
      const key = await createKey(server, { requests_per_minute: 2 });
      const first = await ask(server, key, { msg: 'one' });
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('x-ratelimit-limit-requests'), '2');
      assert.equal(first.headers.get('x-ratelimit-remaining-requests'), '1');
      assert.match(first.headers.get('x-ratelimit-reset-requests') ?? '', /^\d+s$/);
      assert.equal((await ask(server, key, { msg: 'two' })).status, 200);
      const before = upstream.requests.length;
      const refused = await ask(server, key, { msg: 'three' });
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.equal(refused.headers.get('x-ratelimit-remaining-requests'), '0');
      assert.match(((await refused.json()) as { msg: string }).msg, /2 requests this minute/);
      assert.equal(upstream.requests.length, before, 'a refused request never reaches the upstream');

      const metrics = await (
        await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
      ).text();
      assert.match(metrics, /parley_limit_rejections_total\{limit="requests_per_minute"\} 1/);
    } finally {
      await server.kill();
    }
  });

  test('concurrent streams: a second stream waits for the first to end', async () => {
    const server = await startServer(env('streams.sqlite'));
    try {
      const key = await createKey(server, { concurrent_streams: 1 });
      upstream.reply({ kind: 'stream', deltas: ['a ', 'b ', 'c '], intervalMs: 60 });
      const first = await ask(server, key, { msg: 'long', stream: true });
      assert.equal(first.status, 200);
      const second = await ask(server, key, { msg: 'parallel', stream: true });
      assert.equal(second.status, 429);
      assert.equal((await ask(server, key, { msg: 'not a stream' })).status, 200);
      await first.text();
      // The slot frees when the first response closes.
      let third = await ask(server, key, { msg: 'after', stream: true });
      for (const deadline = Date.now() + 10_000; third.status === 429 && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        third = await ask(server, key, { msg: 'after', stream: true });
      }
      assert.equal(third.status, 200);
      assert.match(await third.text(), /\[DONE\]/);
    } finally {
      await server.kill();
    }
  });

  test('concurrent streams: a run that outlives its client keeps its slot until it ends', async () => {
    // An upstream of its own that counts the generations open at once, each about 1.5 s long.
    const slow = await FakeOpenAIUpstream.start();
    const server = await startServer(env('dropped.sqlite', { OPENAI_BASE_URL: slow.baseUrl }));
    try {
      const { headers, surfaces } = await twoStreamKey(server);
      for (const surface of surfaces) {
        const statuses: number[] = [];
        // Ten streams in a row, each dropped after its first chunk.
        // (Replies queued for refused requests wait for later ones: they are all alike.)
        for (let attempt = 0; attempt < 10; attempt += 1) {
          slow.reply({ kind: 'stream', deltas: Array.from({ length: 10 }, () => 'word '), intervalMs: 150 });
          const leave = new AbortController();
          const response = await fetch(`${server.baseUrl}${surface.url}`, {
            method: 'POST',
            headers,
            body: JSON.stringify(surface.body),
            signal: leave.signal,
          });
          statuses.push(response.status);
          if (response.status === 200) await (response.body as ReadableStream<Uint8Array>).getReader().read();
          else await response.text();
          leave.abort();
        }
        assert.ok(
          statuses.every((status) => status === 200 || status === 429),
          statuses.join(),
        );
        assert.ok(statuses.includes(429), `${surface.url}: the dropped streams still count`);
        for (const deadline = Date.now() + 15_000; slow.open > 0 && Date.now() < deadline; )
          await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(slow.open, 0);
        assert.ok(slow.maxOpen <= 2, `${surface.url}: ${slow.maxOpen} generations ran at once`);
        slow.maxOpen = 0;
        // Once the runs ended, their slots are free again.
        const again = await fetch(`${server.baseUrl}${surface.url}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(surface.body),
        });
        assert.equal(again.status, 200);
        await again.text();
      }
    } finally {
      await server.kill();
      await slow.close();
    }
  });

  const databases = [
    { name: 'SQLite', skip: false as string | false },
    {
      name: 'PostgreSQL',
      skip: postgresTestUrl === '' ? 'set PARLEY_TEST_DATABASE_URL to run it on PostgreSQL' : false,
    },
  ];
  for (const database of databases)
    test(`concurrent streams (${database.name}): clients that leave before their run starts still hold their slots`, {
      skip: database.skip,
    }, async () => {
      // Each client sends its request and hangs up at once, before its run can have started: the
      // slot must stay held from admission through the run, not only from the run's start.
      const slow = await FakeOpenAIUpstream.start();
      const schema = database.name === 'PostgreSQL' ? await createPostgresSchema() : undefined;
      const server = await startServer(
        env('left-early.sqlite', {
          OPENAI_BASE_URL: slow.baseUrl,
          ...(schema === undefined ? {} : { DATABASE_URL: schema.databaseUrl }),
        }),
      );
      try {
        const { headers, surfaces } = await twoStreamKey(server);
        let started = 0;
        for (const surface of surfaces) {
          for (let attempt = 0; attempt < 12; attempt += 1)
            slow.reply({ kind: 'stream', deltas: Array.from({ length: 8 }, () => 'word '), intervalMs: 150 });
          // Twelve at once, each gone 0-22 ms after its last byte.
          await Promise.all(
            Array.from({ length: 12 }, (_, index) =>
              sendAndLeave(server, surface.url, headers, surface.body, 2 * index),
            ),
          );
          await quiet(slow);
          started += slow.requests.length;
          assert.ok(slow.maxOpen <= 2, `${surface.url}: ${slow.maxOpen} generations ran at once`);
          // Every slot came back once the runs ended (none leaked by a client gone during admission).
          const again = await fetch(`${server.baseUrl}${surface.url}`, {
            method: 'POST',
            headers,
            body: JSON.stringify(surface.body),
          });
          assert.equal(again.status, 200, `${surface.url}: a slot is free again`);
          await again.text();
          // The upstream's answer may still be closing: the next surface starts from none open.
          await quiet(slow);
          slow.maxOpen = 0;
          slow.requests.length = 0;
        }
        assert.ok(started > 0, 'some of the runs started');
      } finally {
        await server.kill();
        await slow.close();
        await schema?.drop();
      }
    });

  /** A key limited to 2 streams, and the two surfaces that stream runs with it. */
  async function twoStreamKey(server: ServerProcess) {
    const key = await createKey(server, { concurrent_streams: 2 });
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const conversation = (await (
      await fetch(`${server.baseUrl}/api/conversations`, { method: 'POST', headers, body: '{}' })
    ).json()) as { id: string };
    const surfaces = [
      { url: '/v1/responses', body: { model: 'fake-model', input: 'go', stream: true } },
      { url: `/api/conversations/${conversation.id}/messages`, body: { content: 'go', stream: true } },
    ];
    return { headers, surfaces };
  }

  test('tokens per minute: spent tokens are counted, then further requests are refused', async () => {
    const server = await startServer(env('tpm.sqlite'));
    try {
      const key = await createKey(server, { tokens_per_minute: 10 });
      // The fake reports 5 input + 7 output tokens: one answer spends the whole budget.
      assert.equal((await ask(server, key, { msg: 'spend' })).status, 200);
      let refused: Response | undefined;
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        const response = await ask(server, key, { msg: 'more' });
        if (response.status === 429) {
          refused = response;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(refused !== undefined, 'the token budget was enforced');
      assert.match(((await refused.json()) as { msg: string }).msg, /10 tokens per minute/);
    } finally {
      await server.kill();
    }
  });

  test('a daily budget in dollars, priced by the config file, and the cost in /api/usage', async () => {
    const config = join(dataDir, 'parley.config.yaml');
    // $1,000 per million tokens: the fake's 5 + 7 tokens cost $0.012.
    await writeFile(config, 'prices:\n  fake-model: { input: 1000, output: 1000 }\n');
    const server = await startServer(env('budget.sqlite', { PARLEY_CONFIG: config }));
    try {
      const key = await createKey(server, { budget_per_day: 0.01 });
      assert.equal((await ask(server, key, { msg: 'spend' })).status, 200);
      let refused: Response | undefined;
      for (const deadline = Date.now() + 10_000; refused === undefined && Date.now() < deadline; ) {
        const response = await ask(server, key, { msg: 'more' });
        if (response.status === 429) refused = response;
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(refused !== undefined, 'the budget was enforced');
      assert.match(((await refused.json()) as { msg: string }).msg, /budget of \$0\.01/);
      // Usage rows are written in batches (and before /api/usage answers).
      let rows: { cost: number; requests: number }[] = [];
      for (const deadline = Date.now() + 10_000; rows.length === 0 && Date.now() < deadline; ) {
        const usage = await fetch(`${server.baseUrl}/api/usage`, {
          headers: { authorization: `Bearer ${key}` },
        });
        rows = ((await usage.json()) as { data: typeof rows }).data;
        if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(rows[0]?.requests, 1);
      assert.ok(Math.abs((rows[0]?.cost ?? 0) - 0.012) < 1e-9);
    } finally {
      await server.kill();
    }
  });

  test('with Redis, two replicas share one exact count', {
    skip: redisUrl === undefined || redisUrl === '',
  }, async () => {
    const shared = env('replicas.sqlite', { REDIS_URL: redisUrl ?? '' });
    const one = await startServer(shared);
    const two = await startServer(shared);
    try {
      const key = await createKey(one, { requests_per_minute: 6 });
      const responses = await Promise.all(
        Array.from({ length: 14 }, (_, index) => ask(index % 2 === 0 ? one : two, key, { msg: `r${index}` })),
      );
      const statuses = responses.map((response) => response.status);
      assert.equal(statuses.filter((status) => status === 200).length, 6, statuses.join(','));
      assert.equal(statuses.filter((status) => status === 429).length, 8);
      await Promise.all(responses.map((response) => response.text()));
    } finally {
      await one.kill();
      await two.kill();
    }
  });
});

/** Sends a whole POST, waits `delayMs` after its last byte and resets the connection, reading nothing. */
function sendAndLeave(
  server: ServerProcess,
  path: string,
  headers: Record<string, string>,
  body: unknown,
  delayMs: number,
): Promise<void> {
  const { hostname, port } = new URL(server.baseUrl);
  return new Promise((resolve) => {
    const outgoing = httpRequest({ host: hostname, port, path, method: 'POST', headers });
    outgoing.on('error', () => {});
    outgoing.on('close', () => resolve());
    outgoing.end(JSON.stringify(body), () => setTimeout(() => outgoing.destroy(), delayMs));
  });
}

/** Waits until the upstream has had no request open and no new one for a second. */
async function quiet(upstream: FakeOpenAIUpstream): Promise<void> {
  let seen = -1;
  let stillSince = Date.now();
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    if (upstream.open > 0 || upstream.requests.length !== seen) {
      seen = upstream.requests.length;
      stillSince = Date.now();
    } else if (Date.now() - stillSince >= 1_000) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
