/**
 * The real server over routes of its config file: fallback from a rate-limited and a failing
 * deployment to a healthy one (another provider), cooldown, `retry-after` honoured, what was tried
 * in the `x-parley-route` header, logs and metrics, abort reaching the upstream through a route,
 * and a stream that dies after its first byte kept as `incomplete` (never retried).
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { postJson, type ServerProcess, startServer } from './support/server-process.ts';

describe('routes over several deployments', () => {
  let a: FakeOpenAIUpstream;
  let b: FakeOpenAIUpstream;
  let claude: FakeOpenAIUpstream;
  let solo: FakeOpenAIUpstream;
  let server: ServerProcess;
  let dataDir: string;

  const post = (path: string, body: Record<string, unknown>, signal?: AbortSignal) =>
    postJson(server, path, body, signal);
  const complete = (model: string, content: string) =>
    post('/v1/chat/completions', { model, messages: [{ role: 'user', content }] });

  before(async () => {
    [a, b, claude, solo] = await Promise.all([
      FakeOpenAIUpstream.start(),
      FakeOpenAIUpstream.start(),
      FakeOpenAIUpstream.start('anthropic'),
      FakeOpenAIUpstream.start(),
    ]);
    dataDir = await mkdtemp(join(tmpdir(), 'parley-routing-'));
    const config = join(dataDir, 'parley.yaml');
    await writeFile(
      config,
      [
        'deployments:',
        `  a: { provider: openai-compatible, model: gpt-a, base_url: "${a.baseUrl}", api_key_env: KEY_A }`,
        `  b: { provider: openai-compatible, model: gpt-b, base_url: "${b.baseUrl}", api_key: sk-b-inline }`,
        `  claude: { provider: anthropic, model: claude-haiku-4-5, base_url: "${claude.baseUrl}", api_key: sk-ant-c }`,
        `  solo: { provider: openai-compatible, model: gpt-solo, base_url: "${solo.baseUrl}" }`,
        'routes:',
        '  chain: { deployments: [a], fallbacks: [b, claude] }',
        '  single: { deployments: [solo] }',
        'routing: { retries: 1, backoff_ms: 20, max_backoff_ms: 5000, cooldown_ms: 60000, allowed_fails: 1 }',
      ].join('\n'),
    );
    server = await startServer({
      DATABASE_URL: `sqlite:${join(dataDir, 'parley.sqlite')}`,
      PARLEY_CONFIG: config,
      KEY_A: 'sk-a-from-env',
    });
  });
  after(async () => {
    await server?.kill();
    await Promise.all([a, b, claude, solo].map((upstream) => upstream.close()));
    await rm(dataDir, { recursive: true, force: true });
  });

  test('falls back from a 429 and a 500 to another provider, then skips the cooling deployments', async () => {
    a.reply({
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '30' },
      body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
    });
    b.reply({ kind: 'json', status: 500, body: { error: { message: 'boom', type: 'server_error' } } });
    const response = await complete('chain', 'Who answers?');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-parley-route'), 'a;error=429, b;error=500, claude;ok');
    const body = (await response.json()) as { model: string; choices: { message: { content: string } }[] };
    assert.equal(body.choices[0]?.message.content, 'echo: Who answers?');
    assert.equal(body.model, 'chain');
    assert.equal(a.lastRequest().headers.authorization, 'Bearer sk-a-from-env');
    assert.equal((a.lastRequest().body as { model: string }).model, 'gpt-a');
    assert.equal(b.lastRequest().headers.authorization, 'Bearer sk-b-inline');
    assert.equal(claude.lastRequest().headers['x-api-key'], 'sk-ant-c');

    // a cools for its retry-after, b after one failure (allowed_fails: 1): both are skipped.
    const requestsBefore = a.requests.length + b.requests.length;
    const next = await post('/ask', { msg: 'Again', model: 'chain', stream: true });
    assert.equal(next.headers.get('x-parley-route'), 'a;skipped, b;skipped, claude;ok');
    assert.match(await next.text(), /"message":"echo: Again"/);
    assert.equal(a.requests.length + b.requests.length, requestsBefore, 'cooling deployments got nothing');

    const log = server.output();
    assert.match(log, /"route":"chain","deployment":"a","outcome":"error","status":429/);
    assert.doesNotMatch(log, /sk-a-from-env|sk-b-inline|sk-ant-c/, 'no key in the logs');
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    assert.match(metrics, /parley_upstream_retries_total\{route="chain"\} 2/);
    assert.match(
      metrics,
      /parley_upstream_attempts_total\{route="chain",deployment="a",outcome="skipped"\} 1/,
    );
    assert.match(
      metrics,
      /parley_upstream_attempts_total\{route="chain",deployment="claude",outcome="ok"\} 2/,
    );
  });

  test('waits out retry-after before trying the only deployment again, for a stream too', async () => {
    solo.reply({
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '1' },
      body: { error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } },
    });
    const started = performance.now();
    const response = await post('/v1/chat/completions', {
      model: 'single',
      stream: true,
      messages: [{ role: 'user', content: 'patience' }],
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-parley-route'), 'solo;error=429, solo;ok');
    assert.match(await response.text(), /"content":"patience"/);
    assert.ok(performance.now() - started >= 950, 'the retry came after retry-after');
    assert.equal(solo.requests.length, 2);
  });

  test('a client that goes away closes the upstream of a routed stream', async () => {
    solo.reply({ kind: 'stream', deltas: ['one ', 'two ', 'three'], intervalMs: 30, end: 'hang' });
    const controller = new AbortController();
    const response = await post('/ask', { msg: 'long', model: 'single', stream: true }, controller.signal);
    await response.body?.getReader().read();
    const started = performance.now();
    controller.abort();
    const request = solo.lastRequest();
    await request.settled;
    assert.equal(request.clientClosedEarly, true);
    assert.ok(performance.now() - started < 1_000);
  });

  test('a stream that dies after its first text is not retried: the answer is kept incomplete', async () => {
    solo.reply({ kind: 'stream', deltas: ['half ', 'an ', 'answer'], intervalMs: 5, end: 'reset' });
    const response = await post('/ask', { msg: 'break', model: 'single', stream: true });
    const text = await response.text();
    assert.match(text, /event: error/);
    const ids = JSON.parse(/data: (\{.*"parent_id".*\})/.exec(text)?.[1] ?? '{}') as {
      parent_id: string;
      conversation_id: string;
    };
    const requests = solo.requests.length;
    const history = (await (
      await fetch(`${server.baseUrl}/api/conversations/${ids.conversation_id}`)
    ).json()) as {
      messages: { id: string; status: string; content: string }[];
    };
    const answer = history.messages.find((message) => message.id === ids.parent_id);
    assert.equal(answer?.status, 'incomplete');
    assert.equal(answer?.content, 'half an answer');
    assert.equal(solo.requests.length, requests, 'no retry after the first byte');
  });
});
