/**
 * Keys and isolation through the real server: the admin key from the environment, keys made
 * through the admin API (each with a user of its own when it names none), 401s in each surface's shape, another key's ids reading as not found on
 * every route (including continuing them), revocation, and no secret in the logs.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { runServerToExit, type ServerProcess, startServer } from './support/server-process.ts';

const ADMIN_KEY = 'sk-admin-test-0123456789abcdef';
const UPSTREAM_KEY = 'sk-upstream-very-secret-42';

interface AskData {
  message: string;
  parent_id: string;
  conversation_id: string;
}

describe('API keys and per-key isolation', () => {
  let upstream: FakeOpenAIUpstream;
  let server: ServerProcess;
  let dataDir: string;
  const secrets: string[] = [];

  const call = (
    path: string,
    key: string | undefined,
    body?: unknown,
    method = body === undefined ? 'GET' : 'POST',
  ) =>
    fetch(`${server.baseUrl}${path}`, {
      method,
      headers: {
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const createKey = async (body: Record<string, unknown>) => {
    const response = await call('/api/keys', ADMIN_KEY, body);
    assert.equal(response.status, 201);
    const key = (await response.json()) as { id: string; key: string; hint: string; user_id: string };
    secrets.push(key.key);
    return key;
  };

  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    dataDir = await mkdtemp(join(tmpdir(), 'parley-keys-'));
    server = await startServer({
      DATABASE_URL: `sqlite:${join(dataDir, 'parley.sqlite')}`,
      OPENAI_API_KEY: UPSTREAM_KEY,
      OPENAI_BASE_URL: upstream.baseUrl,
      PARLEY_DEFAULT_MODEL: 'fake-model',
      PARLEY_ADMIN_KEY: ADMIN_KEY,
    });
  });
  after(async () => {
    await server?.kill();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('without a key every surface answers 401 in its own shape; probes stay open', async () => {
    const seed = await call('/ask', undefined, { msg: 'hi' });
    assert.equal(seed.status, 401);
    assert.equal(((await seed.json()) as { code: number }).code, 1);

    const openai = new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    await assert.rejects(openai.responses.create({ input: 'hi' }), OpenAI.AuthenticationError);

    const native = await call('/api/keys', 'sk-wrong');
    assert.equal(native.status, 401);
    assert.equal(((await native.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');

    assert.equal((await call('/healthz', undefined)).status, 200);
    assert.equal((await call('/readyz', undefined)).status, 200);
    assert.equal(upstream.requests.length, 0, 'nothing reached the upstream');
  });

  test('keys are created once with their secret, listed without it, and user keys cannot administer', async () => {
    const user = await createKey({
      name: 'alice',
      models: ['fake-model'],
      limits: { requests_per_minute: 100 },
    });
    assert.match(user.key, /^sk-parley-/);
    assert.equal(user.hint, user.key.slice(0, user.hint.length));
    const list = await call('/api/keys', ADMIN_KEY);
    const listed = (await list.json()) as { data: Record<string, unknown>[] };
    assert.ok(listed.data.some((entry) => entry.id === user.id));
    assert.ok(!JSON.stringify(listed).includes(user.key), 'the secret is never listed');
    // A user lists their own keys only, and cannot make keys for anyone else or with another role.
    const own = (await (await call('/api/keys', user.key)).json()) as { data: { id: string }[] };
    assert.deepEqual(
      own.data.map((entry) => entry.id),
      [user.id],
    );
    assert.equal((await call('/api/keys', user.key, { name: 'escalate', role: 'admin' })).status, 403);
    const admins = (await (await call('/api/keys', ADMIN_KEY)).json()) as { data: { user_id: string }[] };
    const adminUser = admins.data.find((entry) => entry.user_id !== user.user_id)?.user_id ?? '';
    assert.equal((await call('/api/keys', user.key, { name: 'escalate', user_id: adminUser })).status, 403);
  });

  test("another key's conversation is not found on every route, including continuing it", async () => {
    const alice = await createKey({ name: 'alice-2' });
    const bob = await createKey({ name: 'bob' });
    const asked = await call('/ask', alice.key, { msg: 'private question' });
    assert.equal(asked.status, 200);
    const ids = ((await asked.json()) as { data: AskData }).data;
    const hex = (uuid: string) => uuid.replaceAll('-', '');

    assert.equal((await call(`/conversation/${ids.conversation_id}`, bob.key)).status, 404);
    assert.equal((await call(`/conversation/${ids.conversation_id}`, alice.key)).status, 200);
    const continued = await call('/ask', bob.key, {
      msg: 'steal',
      parent_id: ids.parent_id,
      conversation_id: ids.conversation_id,
    });
    assert.equal(continued.status, 404);
    assert.equal(
      (await call(`/conversation/${ids.conversation_id}/title`, bob.key, { title: 'mine' })).status,
      404,
    );
    assert.equal((await call(`/conversation/${ids.conversation_id}/delete`, bob.key, {})).status, 404);
    const bobList = (await (await call('/conversations', bob.key)).json()) as { total: number };
    assert.equal(bobList.total, 0);

    const bobSdk = new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: bob.key, maxRetries: 0 });
    await assert.rejects(bobSdk.responses.retrieve(`resp_${hex(ids.parent_id)}`), OpenAI.NotFoundError);
    await assert.rejects(
      bobSdk.responses.create({ input: 'steal', previous_response_id: `resp_${hex(ids.parent_id)}` }),
      OpenAI.NotFoundError,
    );
    await assert.rejects(
      bobSdk.responses.create({ input: 'steal', conversation: `conv_${hex(ids.conversation_id)}` }),
      OpenAI.NotFoundError,
    );
    await assert.rejects(
      bobSdk.conversations.retrieve(`conv_${hex(ids.conversation_id)}`),
      OpenAI.NotFoundError,
    );
    await assert.rejects(
      bobSdk.conversations.items.list(`conv_${hex(ids.conversation_id)}`),
      OpenAI.NotFoundError,
    );
    const bobConversations = await call('/v1/conversations', bob.key);
    assert.deepEqual(((await bobConversations.json()) as { data: unknown[] }).data, []);

    // Through the native API: Bob sees nothing, an admin reads everything.
    assert.equal((await call(`/api/conversations/${ids.conversation_id}`, bob.key)).status, 404);
    const asAdmin = await call(`/api/conversations/${ids.conversation_id}`, ADMIN_KEY);
    assert.equal(asAdmin.status, 200);
    const tree = (await asAdmin.json()) as {
      owner: string;
      messages: { id: string; parent_id: string | null }[];
    };
    assert.equal(tree.owner, alice.user_id);
    assert.deepEqual(
      tree.messages.map((message) => message.id === ids.parent_id),
      [false, true],
    );
    const listed = await call(`/api/conversations?owner=${encodeURIComponent(alice.user_id)}`, ADMIN_KEY);
    assert.deepEqual(
      ((await listed.json()) as { data: { id: string }[] }).data.map((entry) => entry.id),
      [ids.conversation_id],
    );
    assert.equal(
      (await call(`/api/conversations?owner=${encodeURIComponent(alice.user_id)}`, bob.key)).status,
      400,
    );
    assert.deepEqual(
      ((await (await call('/api/conversations', bob.key)).json()) as { data: unknown[] }).data,
      [],
    );

    // Alice still has it, whole.
    const aliceSdk = new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: alice.key, maxRetries: 0 });
    const response = await aliceSdk.responses.retrieve(`resp_${hex(ids.parent_id)}`);
    assert.equal(response.output_text, 'echo: private question');
  });

  test('a model allowlist refuses other models; a revoked key is refused at once', async () => {
    const limited = await createKey({ name: 'limited', models: ['fake-model'] });
    const other = await call('/ask', limited.key, { msg: 'hi', model: 'other-model' });
    assert.equal(other.status, 403);
    assert.equal((await call('/ask', limited.key, { msg: 'hi' })).status, 200);

    const revoke = await call(`/api/keys/${limited.id}`, ADMIN_KEY, undefined, 'DELETE');
    assert.equal(revoke.status, 200);
    assert.equal((await call('/ask', limited.key, { msg: 'hi' })).status, 401);
    assert.equal((await call(`/api/keys/${limited.id}`, ADMIN_KEY, undefined, 'DELETE')).status, 404);
  });

  test('every generation is a usage row: provider counts, or the tokenizer when it reports none', async () => {
    const carol = await createKey({ name: 'carol' });
    const dave = await createKey({ name: 'dave' });
    assert.equal((await call('/ask', carol.key, { msg: 'one' })).status, 200); // usage 5 + 7 reported
    upstream.reply({ kind: 'stream', deltas: ['hello', ' world'] }); // no usage reported: counted
    const streamed = await call('/ask', carol.key, { msg: 'hello world', stream: true });
    await streamed.text();
    const sdk = new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: carol.key, maxRetries: 0 });
    await sdk.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'three' }],
    });
    assert.equal((await call('/ask', dave.key, { msg: 'not carol' })).status, 200);

    type Row = {
      key_id: string;
      model: string;
      requests: number;
      input_tokens: number;
      output_tokens: number;
    };
    let rows: Row[] = [];
    // Rows are written in batches, and the counted stream first loads the tokenizer: wait for them.
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
      const usage = await call('/api/usage', carol.key);
      rows = ((await usage.json()) as { data: Row[] }).data;
      if (rows[0]?.requests === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(rows.length, 1, 'a user key sees its own usage only');
    const row = rows[0];
    assert.equal(row?.key_id, carol.id);
    assert.equal(row?.model, 'fake-model');
    assert.equal(row?.requests, 3);
    // 5 + 7 reported twice (ask, chat), plus the counted stream: "hello world" = 2 output tokens.
    assert.equal(row?.output_tokens, 7 + 7 + 2);
    assert.ok((row?.input_tokens ?? 0) > 10);

    const all = await call('/api/usage', ADMIN_KEY);
    const keys = new Set(((await all.json()) as { data: Row[] }).data.map((entry) => entry.key_id));
    assert.ok(keys.has(carol.id) && keys.has(dave.id), 'an admin sees every key');
  });

  test('no key, admin key or upstream key ever reaches the logs', async () => {
    await call('/ask', ADMIN_KEY, { msg: 'log me' });
    upstream.reply({ kind: 'json', status: 401, body: { error: { message: `bad key ${UPSTREAM_KEY}` } } });
    await call('/ask', ADMIN_KEY, { msg: 'fail me' });
    const output = server.output();
    for (const secret of [ADMIN_KEY, UPSTREAM_KEY, ...secrets]) {
      assert.ok(!output.includes(secret), `a secret leaked into the logs: ${secret.slice(0, 12)}…`);
    }
  });

  test('a non-loopback HOST is refused when no key exists, and a short admin key is refused', async () => {
    const remote = await runServerToExit({
      HOST: '0.0.0.0',
      PORT: '0',
      DATABASE_URL: `sqlite:${join(dataDir, 'keyless.sqlite')}`,
    });
    assert.equal(remote.code, 1);
    assert.match(remote.output, /no user exists/);
    const short = await runServerToExit({ PARLEY_ADMIN_KEY: 'short' });
    assert.equal(short.code, 1);
    assert.match(short.output, /PARLEY_ADMIN_KEY: must be at least 24 characters/);
    assert.ok(!short.output.includes('short\n'));
  });
});
