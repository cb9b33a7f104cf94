/**
 * A conversation's own temperature and answer length through the native API: set at creation or
 * by PATCH, shown by GET, checked (a bad value is a 400), sent with every answer in it — a new
 * message, a regenerate, an edit, a continue — unless the request sets its own, refused where the
 * provider would ignore it, and kept by an export and an import.
 */

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { scriptedRegistry } from '../../../test/support/scripted-chat-model.ts';
import { buildTestApp } from '../../../test/support/test-app.ts';

type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

describe('a conversation’s sampling in the native API', () => {
  let parley: TestApp;
  beforeEach(async () => {
    parley = await buildTestApp();
  });
  afterEach(async () => {
    await parley.app.close();
    await parley.store.close();
  });

  const call = async (method: 'POST' | 'PATCH' | 'GET', url: string, payload?: unknown) => {
    const response = await parley.app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
    return { status: response.statusCode, body: response.json() as Record<string, unknown> };
  };
  const api = async (method: 'POST' | 'PATCH' | 'GET', url: string, payload?: unknown) => {
    const { status, body } = await call(method, url, payload);
    assert.ok(status < 300, `${method} ${url}: ${status} ${JSON.stringify(body)}`);
    return body as Record<string, unknown> & { id: string; message: { id: string }; question_id: string };
  };
  /** What the model was last called with. */
  const lastSampling = () => {
    const options = parley.calls.at(-1)?.options;
    return { temperature: options?.temperature, maxOutputTokens: options?.maxOutputTokens };
  };

  it('is set, shown, cleared, and sent with every answer in the conversation', async () => {
    const created = await api('POST', '/api/conversations', { temperature: 0.3, max_output_tokens: 50 });
    assert.deepEqual([created.temperature, created.max_output_tokens], [0.3, 50]);
    const id = created.id;

    const first = await api('POST', `/api/conversations/${id}/messages`, { content: 'Hello' });
    assert.deepEqual(lastSampling(), { temperature: 0.3, maxOutputTokens: 50 });
    await api('POST', `/api/conversations/${id}/messages/${first.message.id}/regenerate`, {});
    assert.deepEqual(lastSampling(), { temperature: 0.3, maxOutputTokens: 50 });
    await api('POST', `/api/conversations/${id}/messages/${first.question_id}/edit`, { content: 'Hi' });
    assert.deepEqual(lastSampling(), { temperature: 0.3, maxOutputTokens: 50 });

    // A patch of one leaves the other; null clears it (the model's default: nothing sent).
    const patched = await api('PATCH', `/api/conversations/${id}`, { temperature: 1.2 });
    assert.deepEqual([patched.temperature, patched.max_output_tokens], [1.2, 50]);
    parley.scripts.push({ deltas: ['Once'], finishReason: 'length' });
    const cut = await api('POST', `/api/conversations/${id}/messages`, { content: 'A story' });
    assert.deepEqual(lastSampling(), { temperature: 1.2, maxOutputTokens: 50 });
    await api('PATCH', `/api/conversations/${id}`, { max_output_tokens: null });
    await api('POST', `/api/conversations/${id}/messages/${cut.message.id}/continue`, {});
    assert.deepEqual(lastSampling(), { temperature: 1.2, maxOutputTokens: undefined }, 'a continue too');

    const read = await api('GET', `/api/conversations/${id}`);
    assert.deepEqual([read.temperature, read.max_output_tokens], [1.2, null]);
    const listed = await api('GET', '/api/conversations');
    assert.deepEqual((listed.data as { temperature: number | null }[]).at(0)?.temperature, 1.2);
    await api('PATCH', `/api/conversations/${id}`, { temperature: null });
    await api('POST', `/api/conversations/${id}/messages`, { content: 'Plain' });
    assert.deepEqual(lastSampling(), { temperature: undefined, maxOutputTokens: undefined });
  });

  it('gives way to a request’s own values', async () => {
    const { id } = await api('POST', '/api/conversations', { temperature: 0.3, max_output_tokens: 50 });
    await api('POST', `/api/conversations/${id}/messages`, { content: 'Hello' });
    // /v1/responses goes on in the same conversation, with a temperature of its own.
    const response = await api('POST', '/v1/responses', {
      model: 'scripted-model',
      input: 'And then?',
      conversation: `conv_${id.replaceAll('-', '')}`,
      temperature: 0.9,
    });
    assert.equal(response.status, 'completed');
    assert.deepEqual(lastSampling(), { temperature: 0.9, maxOutputTokens: 50 });
    // The Response object reports what was used: the request's temperature, the conversation's limit.
    assert.deepEqual([response.temperature, response.max_output_tokens], [0.9, 50]);
    const shorter = await api('POST', '/v1/responses', {
      model: 'scripted-model',
      input: 'Shorter.',
      previous_response_id: response.id,
      max_output_tokens: 20,
    });
    assert.deepEqual(lastSampling(), { temperature: 0.3, maxOutputTokens: 20 });
    assert.deepEqual([shorter.temperature, shorter.max_output_tokens], [0.3, 20]);
    const again = await api('GET', `/v1/responses/${shorter.id}`);
    assert.deepEqual([again.temperature, again.max_output_tokens], [0.3, 20]);
  });

  it('is refused by name, writing nothing, where the provider chooses its own sampling', async () => {
    const scripted = scriptedRegistry();
    // A model that declares, as ChatGPT's web backend does, that it takes no sampling.
    const fixed = {
      ...scripted.registry,
      resolve: (name: string) => {
        const model = scripted.registry.resolve(name);
        return model === undefined
          ? undefined
          : Object.assign(model, {
              capabilities: {
                tools: false,
                responseFormat: false,
                images: false,
                files: false,
                sampling: false,
              },
            });
      },
    };
    const other = await buildTestApp({ models: fixed });
    try {
      const created = await other.app.inject({
        method: 'POST',
        url: '/api/conversations',
        payload: { temperature: 0.3 },
      });
      const id = (created.json() as { id: string }).id;
      const refused = await other.app.inject({
        method: 'POST',
        url: `/api/conversations/${id}/messages`,
        payload: { content: 'Hello' },
      });
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /chooses its own sampling and takes no temperature/);
      assert.equal(scripted.calls.length, 0, 'no upstream call');
      const read = await other.app.inject({ method: 'GET', url: `/api/conversations/${id}` });
      assert.deepEqual((read.json() as { messages: unknown[] }).messages, [], 'nothing written');
      // Cleared, the conversation answers.
      await other.app.inject({
        method: 'PATCH',
        url: `/api/conversations/${id}`,
        payload: { temperature: null },
      });
      const answered = await other.app.inject({
        method: 'POST',
        url: `/api/conversations/${id}/messages`,
        payload: { content: 'Hello' },
      });
      assert.equal(answered.statusCode, 200, answered.body);
    } finally {
      await other.app.close();
      await other.store.close();
    }
  });

  it('refuses values out of range or of the wrong type with a 400, changing nothing', async () => {
    const { id } = await api('POST', '/api/conversations', { temperature: 0.5 });
    const bad: Record<string, unknown>[] = [
      { temperature: 2.5 },
      { temperature: -0.1 },
      { temperature: 'hot' },
      { max_output_tokens: 0 },
      { max_output_tokens: 12.5 },
      { max_output_tokens: 2_000_000 },
      { max_output_tokens: '50' },
    ];
    for (const payload of bad) {
      const patch = await call('PATCH', `/api/conversations/${id}`, payload);
      assert.equal(patch.status, 400, `PATCH ${JSON.stringify(payload)}: ${JSON.stringify(patch.body)}`);
      const field = Object.keys(payload)[0] ?? '';
      assert.match(JSON.stringify(patch.body), new RegExp(field));
      const create = await call('POST', '/api/conversations', payload);
      assert.equal(create.status, 400, `POST ${JSON.stringify(payload)}`);
    }
    const kept = await api('GET', `/api/conversations/${id}`);
    assert.deepEqual([kept.temperature, kept.max_output_tokens], [0.5, null]);
  });

  it('is kept by an export and an import, and a value out of range in a file is refused', async () => {
    const { id } = await api('POST', '/api/conversations', {
      title: 'Tuned',
      temperature: 0.25,
      max_output_tokens: 400,
    });
    const exported = await api('GET', '/api/export?format=json');
    const conversations = exported.conversations as Record<string, unknown>[];
    const entry = conversations.find((conversation) => conversation.id === id);
    assert.deepEqual([entry?.temperature, entry?.max_output_tokens], [0.25, 400]);

    const other = await buildTestApp();
    try {
      const tooHot = { ...exported, conversations: [{ ...entry, temperature: 7 }] };
      const refused = await other.app.inject({ method: 'POST', url: '/api/import', payload: tooHot });
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /temperature must be a number from 0 to 2, or null/);
      const imported = await other.app.inject({ method: 'POST', url: '/api/import', payload: exported });
      assert.equal(imported.statusCode, 201, imported.body);
      const read = await other.app.inject({ method: 'GET', url: `/api/conversations/${id}` });
      const conversation = read.json() as { temperature: number; max_output_tokens: number };
      assert.deepEqual([conversation.temperature, conversation.max_output_tokens], [0.25, 400]);
    } finally {
      await other.app.close();
      await other.store.close();
    }
  });
});
