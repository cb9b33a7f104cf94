/**
 * Requests without a body that still say `content-type: application/json` (OpenAI's Python SDK
 * does on every DELETE; some clients on every request): accepted by the routes that take no body
 * or an optional one, through the official `openai` SDK's delete calls (made to send the header as
 * the Python SDK does) and raw requests on each surface. A route that needs a body still refuses
 * the missing one with a 400 in its shape.
 */

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { useServer } from './support/server-fixture.ts';
import { postJson } from './support/server-process.ts';

const JSON_HEADER = { 'content-type': 'application/json' };

describe('bodiless requests with content-type: application/json', () => {
  const fixture = useServer();
  let client: OpenAI;
  before(() => {
    client = new OpenAI({
      baseURL: `${fixture.server.baseUrl}/v1`,
      apiKey: 'unused',
      defaultHeaders: JSON_HEADER,
    });
  });

  const bodiless = (method: string, path: string) =>
    fetch(`${fixture.server.baseUrl}${path}`, { method, headers: JSON_HEADER });

  test("the openai SDK's deletes: responses, conversations and conversation items", async () => {
    const response = await client.responses.create({ model: 'fake-model', input: 'to delete' });
    await client.responses.delete(response.id);
    await assert.rejects(client.responses.retrieve(response.id), { status: 404 });
    const conversation = await client.conversations.create({
      items: [
        { type: 'message', role: 'user', content: 'one' },
        { type: 'message', role: 'user', content: 'two' },
      ],
    });
    const items = await client.conversations.items.list(conversation.id);
    const first = items.data[0];
    assert.ok(first !== undefined && 'id' in first);
    const afterItemDelete = await client.conversations.items.delete(String(first.id), {
      conversation_id: conversation.id,
    });
    assert.equal(afterItemDelete.id, conversation.id);
    const deletedConversation = await client.conversations.delete(conversation.id);
    assert.equal(deletedConversation.deleted, true);
  });

  test('seed routes without a body: gen_title, delete, clear', async () => {
    const asked = (await (await postJson(fixture.server, '/ask', { msg: 'name me' })).json()) as {
      data: { conversation_id: string };
    };
    const id = asked.data.conversation_id;
    const titled = await bodiless('POST', `/conversation/${id}/gen_title`);
    assert.equal(titled.status, 200);
    assert.equal(((await titled.json()) as { code: number }).code, 0);
    const deleted = await bodiless('POST', `/conversation/${id}/delete`);
    assert.equal(deleted.status, 200);
    const cleared = await bodiless('POST', '/conversations/clear');
    assert.equal(cleared.status, 200);
    assert.equal(((await cleared.json()) as { code: number }).code, 0);
  });

  test('native and OpenAI routes without a body; a route that needs one still says so', async () => {
    const created = await bodiless('POST', '/api/conversations');
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    assert.equal((await bodiless('DELETE', `/api/conversations/${id}`)).status, 200);
    assert.equal((await bodiless('GET', '/v1/models')).status, 200);

    const seedAsk = await bodiless('POST', '/ask');
    assert.equal(seedAsk.status, 400);
    assert.equal(((await seedAsk.json()) as { code: number }).code, 1);
    const v1 = await bodiless('POST', '/v1/responses');
    assert.equal(v1.status, 400);
    assert.equal(((await v1.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
  });
});
