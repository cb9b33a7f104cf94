/**
 * The `/v1` surface driven by the official `openai` SDK against the real server process, which
 * talks to a fake OpenAI-compatible upstream. The SDK's own parsing and error classes are the
 * judge of wire compatibility.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { chunkFrame, completion, FakeOpenAIUpstream } from './support/fake-openai-upstream.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

interface UpstreamBody {
  messages: { role: string; content: string }[];
  max_tokens?: number;
  temperature?: number;
}

describe('the OpenAI-compatible surface, through the official SDK', () => {
  let upstream: FakeOpenAIUpstream;
  let server: ServerProcess;
  let client: OpenAI;
  let dataDir: string;

  const lastUpstreamBody = () => upstream.lastRequest().body as UpstreamBody;

  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    dataDir = await mkdtemp(join(tmpdir(), 'parley-openai-'));
    server = await startServer({
      DATABASE_URL: `sqlite:${join(dataDir, 'parley.sqlite')}`,
      OPENAI_API_KEY: 'sk-upstream-secret',
      OPENAI_BASE_URL: upstream.baseUrl,
      PARLEY_DEFAULT_MODEL: 'fake-model',
    });
    client = new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: 'unused-for-now', maxRetries: 0 });
  });
  after(async () => {
    await server.kill();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('models: routed and upstream-listed models; a model Parley does not route is a 404', async () => {
    upstream.models = ['fake-model', 'upstream-only'];
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((model) => model.id),
      ['fake-model', 'upstream-only'],
    );
    const model = await client.models.retrieve('fake-model');
    assert.equal(model.owned_by, 'openai-compatible');
    assert.equal((await client.models.retrieve('upstream-only')).id, 'upstream-only');
    await assert.rejects(client.models.retrieve('no-such-model'), (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.equal(error.message, "404 The model 'no-such-model' does not exist");
      assert.equal(error.code, 'model_not_found');
      assert.equal(error.type, 'invalid_request_error');
      assert.equal(error.param, 'model');
      return true;
    });
    // A chat request for it goes to the upstream, whose own refusal comes back as the same 404.
    upstream.reply({
      kind: 'json',
      status: 404,
      body: {
        error: {
          message: 'The model `no-such-model` does not exist or you do not have access to it.',
          type: 'invalid_request_error',
          param: null,
          code: 'model_not_found',
        },
      },
    });
    await assert.rejects(
      client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.NotFoundError);
        assert.equal(error.code, 'model_not_found');
        assert.match(error.message, /no-such-model` does not exist/);
        return true;
      },
    );
  });

  test('chat completions: a completion, a stream with usage, and a 400 naming a field Parley cannot honour', async () => {
    const completion = await client.chat.completions.create({
      model: 'fake-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello' },
      ],
      max_completion_tokens: 20,
    });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.choices[0]?.message.content, 'echo: hello');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
    assert.equal(completion.usage?.total_tokens, 12);
    assert.equal(lastUpstreamBody().max_tokens, 20);

    const stream = await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'stream this please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, 'echo: stream this please');
    assert.equal(finish, 'stop');
    assert.equal(usage?.completion_tokens, 4);

    await assert.rejects(
      client.chat.completions.create({
        model: 'fake-model',
        messages: [{ role: 'user', content: 'x' }],
        web_search_options: {},
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.param, 'web_search_options');
        assert.match(error.message, /'web_search_options' is not supported by Parley: web search is a tool/);
        return true;
      },
    );
  });

  test('chat completions: tools and response_format pass through; tool calls come back, streamed too', async () => {
    const body = {
      id: 'chatcmpl-up',
      object: 'chat.completion',
      created: 1,
      model: 'fake-model',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
    };
    upstream.reply({ kind: 'json', body });
    const tools: OpenAI.Chat.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const completion = await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools,
      tool_choice: 'required',
      response_format: { type: 'json_object' },
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === 'function');
    assert.equal(call.function.name, 'weather');
    assert.equal(call.function.arguments, '{"city":"Oslo"}');
    assert.equal(completion.choices[0]?.finish_reason, 'tool_calls');
    const sent = upstream.lastRequest().body as Record<string, unknown>;
    assert.deepEqual(sent.tools, tools);
    assert.equal(sent.tool_choice, 'required');
    assert.deepEqual(sent.response_format, { type: 'json_object' });

    // The result goes back as a tool message; the stream carries tool call pieces.
    upstream.reply({
      kind: 'raw-stream',
      pieces: [
        chunkFrame({
          role: 'assistant',
          tool_calls: [
            { index: 0, id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"ci' } },
          ],
        }),
        chunkFrame({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Bergen"}' } }] }, 'tool_calls'),
        'data: [DONE]\n\n',
      ],
    });
    const stream = await client.chat.completions.create({
      model: 'fake-model',
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
      tools,
      stream: true,
    });
    let argumentsText = '';
    let name = '';
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta.tool_calls?.[0];
      argumentsText += piece?.function?.arguments ?? '';
      name = piece?.function?.name ?? name;
    }
    assert.equal(name, 'weather');
    assert.equal(argumentsText, '{"city":"Bergen"}');
    assert.deepEqual((upstream.lastRequest().body as { messages: unknown[] }).messages.at(-1), {
      role: 'tool',
      content: 'sunny',
      tool_call_id: 'call_1',
    });
  });

  test('responses: create, chain, branch, retrieve, input items; instructions are not inherited', async () => {
    const first = await client.responses.create({
      model: 'fake-model',
      input: 'first',
      instructions: 'Answer in English.',
      metadata: { run: 'chain' },
      temperature: 0.3,
    });
    assert.equal(first.status, 'completed');
    assert.equal(first.output_text, 'echo: first');
    assert.match(first.id, /^resp_[0-9a-f]{32}$/);
    assert.deepEqual(first.metadata, { run: 'chain' });
    assert.deepEqual(lastUpstreamBody().messages[0], { role: 'system', content: 'Answer in English.' });
    assert.equal(lastUpstreamBody().temperature, 0.3);

    const second = await client.responses.create({ input: 'second', previous_response_id: first.id });
    assert.equal(second.previous_response_id, first.id);
    assert.deepEqual(lastUpstreamBody().messages, [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'echo: first' },
      { role: 'user', content: 'second' },
    ]);

    const branch = await client.responses.create({
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'other second' }] }],
      previous_response_id: first.id,
    });
    assert.equal(branch.output_text, 'echo: other second');
    assert.equal(lastUpstreamBody().messages.at(-2)?.content, 'echo: first');

    const retrieved = await client.responses.retrieve(second.id);
    assert.equal(retrieved.output_text, 'echo: second');
    assert.equal(retrieved.previous_response_id, first.id);

    const items = await client.responses.inputItems.list(branch.id);
    assert.deepEqual(
      items.data.map((item) => (item.type === 'message' ? item.role : item.type)),
      ['user'],
    );

    await assert.rejects(
      client.responses.retrieve('resp_0000000000000000000000000000dead'),
      OpenAI.NotFoundError,
    );
    await assert.rejects(
      client.responses.create({ input: 'x', previous_response_id: 'resp_nope' }),
      OpenAI.NotFoundError,
    );
  });

  test('responses: text.format json_schema reaches the upstream and is reported back', async () => {
    const format = {
      type: 'json_schema' as const,
      name: 'city',
      schema: {
        type: 'object',
        properties: { name: { type: 'string' } },
        required: ['name'],
        additionalProperties: false,
      },
      strict: true,
    };
    upstream.reply({ kind: 'json', body: completion('{"name":"Oslo"}') });
    const response = await client.responses.create({ input: 'the capital of Norway', text: { format } });
    assert.deepEqual(JSON.parse(response.output_text), { name: 'Oslo' });
    assert.deepEqual(response.text?.format, format);
    const sent = upstream.lastRequest().body as { response_format?: unknown };
    assert.deepEqual(sent.response_format, {
      type: 'json_schema',
      json_schema: { name: 'city', schema: format.schema, strict: true },
    });
    const stored = await client.responses.retrieve(response.id);
    assert.deepEqual(stored.text?.format, format);
  });

  test('responses: input_image reaches the upstream as an image_url part', async () => {
    const response = await client.responses.create({
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'what is this?' },
            { type: 'input_image', image_url: 'https://example.com/cat.png', detail: 'auto' },
          ],
        },
      ],
    });
    assert.equal(response.output_text, 'echo: what is this?');
    const sent = upstream.lastRequest().body as { messages: { content: unknown }[] };
    assert.deepEqual(sent.messages.at(-1)?.content, [
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'auto' } },
    ]);
  });

  test('responses: store false answers but keeps nothing; delete removes a response', async () => {
    const ephemeral = await client.responses.create({ input: 'forget me', store: false });
    assert.equal(ephemeral.output_text, 'echo: forget me');
    await assert.rejects(client.responses.retrieve(ephemeral.id), OpenAI.NotFoundError);

    const kept = await client.responses.create({ input: 'delete me' });
    await client.responses.delete(kept.id);
    await assert.rejects(client.responses.retrieve(kept.id), OpenAI.NotFoundError);
  });

  test('responses: a deleted response leaves the seed history too, its children moving up to its parent', async () => {
    const asked = await fetch(`${server.baseUrl}/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msg: 'first question' }),
    });
    const { data } = (await asked.json()) as { data: { parent_id: string; conversation_id: string } };
    const hex = (uuid: string) => uuid.replaceAll('-', '');
    const second = await client.responses.create({
      input: 'second question',
      previous_response_id: `resp_${hex(data.parent_id)}`,
    });
    const history = async () => {
      const response = await fetch(`${server.baseUrl}/conversation/${data.conversation_id}`);
      assert.equal(response.status, 200);
      type Node = { parent: string | null; message: { content: { parts: string[] } } };
      return (await response.json()) as { current_node: string; mapping: Record<string, Node> };
    };
    const before = await history();
    const secondId = Object.keys(before.mapping).find((id) => `resp_${hex(id)}` === second.id);
    assert.ok(secondId !== undefined, 'the second answer is in the seed history');
    const secondQuestion = before.mapping[secondId]?.parent ?? '';

    // The newest answer deleted: gone, and the current node is its question.
    await client.responses.delete(second.id);
    const after = await history();
    assert.equal(after.mapping[secondId], undefined);
    assert.equal(after.current_node, secondQuestion);
    // The first answer deleted: its child (the second question) hangs under the first question.
    await client.responses.delete(`resp_${hex(data.parent_id)}`);
    const last = await history();
    assert.equal(last.mapping[data.parent_id], undefined);
    const firstQuestion = before.mapping[data.parent_id]?.parent ?? '';
    assert.equal(last.mapping[secondQuestion]?.parent, firstQuestion);
    assert.deepEqual(
      Object.values(last.mapping).map((node) => node.message.content.parts[0]),
      ['first question', 'second question'],
    );
  });

  test('responses: a stream of typed events in order, with sequence numbers', async () => {
    const stream = await client.responses.create({ input: 'count the events', stream: true });
    const types: string[] = [];
    const sequence: number[] = [];
    let completed: OpenAI.Responses.Response | undefined;
    let deltas = '';
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
      if (event.type === 'response.output_text.delta') deltas += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    assert.deepEqual(types.slice(0, 4), [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    assert.deepEqual(types.slice(-4), [
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    assert.deepEqual(
      sequence,
      sequence.map((_, index) => index),
    );
    assert.equal(deltas, 'echo: count the events');
    const output = completed?.output[0];
    assert.ok(output?.type === 'message');
    assert.deepEqual(
      output.content.map((part) => (part.type === 'output_text' ? part.text : '')),
      ['echo: count the events'],
    );
    const stored = await client.responses.retrieve(completed?.id ?? '');
    assert.equal(stored.status, 'completed');
  });

  test('responses: a dropped stream goes on and resumes after the last event seen; cancel stops it', async () => {
    upstream.reply({ kind: 'stream', deltas: ['one ', 'two ', 'three ', 'four'], intervalMs: 40 });
    const stream = await client.responses.create({ input: 'go slowly', stream: true });
    let responseId = '';
    let lastSeen = -1;
    let before = '';
    for await (const event of stream) {
      if (event.type === 'response.created') responseId = event.response.id;
      lastSeen = event.sequence_number;
      if (event.type === 'response.output_text.delta') {
        before += event.delta;
        break; // the client drops here
      }
    }
    const upstreamRequest = upstream.lastRequest();
    await upstreamRequest.settled;
    assert.equal(upstreamRequest.clientClosedEarly, false, 'a dropped client does not stop the generation');

    const resumed = await client.responses.retrieve(responseId, { stream: true, starting_after: lastSeen });
    const sequence: number[] = [];
    let after = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of resumed) {
      sequence.push(event.sequence_number);
      if (event.type === 'response.output_text.delta') after += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    assert.equal(sequence[0], lastSeen + 1, 'exactly the events that were missed');
    assert.deepEqual(
      sequence,
      sequence.map((_, index) => lastSeen + 1 + index),
    );
    assert.equal(before + after, 'one two three four');
    assert.equal(completed?.status, 'completed');
    const stored = await client.responses.retrieve(responseId);
    assert.equal(stored.output_text, 'one two three four');

    upstream.reply({ kind: 'stream', deltas: ['never ', 'ends '], intervalMs: 20, end: 'hang' });
    const running = client.responses.create({ input: 'cancel me' }).catch((error: unknown) => error);
    await waitFor(
      () =>
        (upstream.requests.at(-1)?.body as { messages?: { content: string }[] })?.messages?.at(-1)
          ?.content === 'cancel me',
    );
    const hanging = upstream.lastRequest();
    // The running response is the newest conversation's current answer.
    const newest = await newestResponseId(server);
    const cancelled = await client.responses.cancel(newest);
    assert.equal(cancelled.status, 'cancelled');
    const again = await client.responses.cancel(newest);
    assert.equal(again.status, 'cancelled');
    await hanging.settled;
    assert.equal(hanging.clientClosedEarly, true);
    const outcome = await running;
    assert.ok(outcome instanceof OpenAI.APIError);
  });

  test('conversations: create with items, page items, append, respond into it, update, delete', async () => {
    const conversation = await client.conversations.create({
      metadata: { topic: 'demo' },
      items: [
        { type: 'message', role: 'system', content: 'You are terse.' },
        { type: 'message', role: 'user', content: 'one' },
        { type: 'message', role: 'assistant', content: 'two' },
      ],
    });
    assert.match(conversation.id, /^conv_[0-9a-f]{32}$/);
    assert.deepEqual(conversation.metadata, { topic: 'demo' });

    const added = await client.conversations.items.create(conversation.id, {
      items: [{ type: 'message', role: 'user', content: 'three' }],
    });
    assert.equal(added.data.length, 1);

    const response = await client.responses.create({ input: 'four', conversation: conversation.id });
    assert.deepEqual(response.conversation, { id: conversation.id });
    assert.deepEqual(
      lastUpstreamBody().messages.map((message) => message.content),
      ['You are terse.', 'one', 'two', 'three', 'four'],
    );

    const page = await client.conversations.items.list(conversation.id, { limit: 2, order: 'asc' });
    assert.equal(page.data.length, 2);
    assert.equal(page.has_more, true);
    const all: string[] = [];
    for await (const item of client.conversations.items.list(conversation.id, { limit: 2, order: 'asc' })) {
      if (item.type === 'message')
        all.push(item.content.map((part) => ('text' in part ? part.text : '')).join(''));
    }
    assert.deepEqual(all, ['You are terse.', 'one', 'two', 'three', 'four', 'echo: four']);

    const newestFirst = await client.conversations.items.list(conversation.id, { limit: 1 });
    const lastItem = newestFirst.data[0];
    assert.ok(lastItem !== undefined && lastItem.type === 'message');
    assert.equal(lastItem.role, 'assistant');
    const one = await client.conversations.items.retrieve(String(lastItem.id), {
      conversation_id: conversation.id,
    });
    assert.equal(one.id, lastItem.id);

    const addedItem = added.data[0];
    assert.ok(addedItem !== undefined);
    await client.conversations.items.delete(String(addedItem.id), { conversation_id: conversation.id });
    const remaining = await client.conversations.items.list(conversation.id, { limit: 100, order: 'asc' });
    assert.equal(remaining.data.length, 5);
    await client.responses.create({ input: 'five', conversation: conversation.id });
    assert.ok(!lastUpstreamBody().messages.some((message) => message.content === 'three'));

    const updated = await client.conversations.update(conversation.id, { metadata: { topic: 'changed' } });
    assert.deepEqual(updated.metadata, { topic: 'changed' });

    const listed = await fetch(`${server.baseUrl}/v1/conversations?limit=100`);
    const list = (await listed.json()) as { object: string; data: { id: string }[] };
    assert.equal(list.object, 'list');
    assert.ok(list.data.some((entry) => entry.id === conversation.id));

    const deleted = await client.conversations.delete(conversation.id);
    assert.equal(deleted.deleted, true);
    await assert.rejects(client.conversations.retrieve(conversation.id), OpenAI.NotFoundError);
  });

  test('one core: /ask conversations continue through /v1, and /v1 responses continue through /ask', async () => {
    const asked = await fetch(`${server.baseUrl}/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msg: 'from the seed' }),
    });
    const seed = ((await asked.json()) as { data: { parent_id: string; conversation_id: string } }).data;
    const conversationId = `conv_${seed.conversation_id.replaceAll('-', '')}`;
    const items = await client.conversations.items.list(conversationId, { order: 'asc' });
    assert.equal(items.data.length, 2);

    const continued = await client.responses.create({
      input: 'from the SDK',
      previous_response_id: `resp_${seed.parent_id.replaceAll('-', '')}`,
    });
    assert.deepEqual(
      lastUpstreamBody().messages.map((message) => message.content),
      ['from the seed', 'echo: from the seed', 'from the SDK'],
    );

    const hex = continued.id.slice('resp_'.length);
    const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const back = await fetch(`${server.baseUrl}/ask`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        msg: 'back to the seed',
        parent_id: uuid,
        conversation_id: seed.conversation_id,
      }),
    });
    assert.equal(back.status, 200);
    assert.equal(lastUpstreamBody().messages.length, 5);
  });

  test('errors: an upstream 429 reaches the SDK as RateLimitError; bad input is a 400 naming the field', async () => {
    upstream.reply({
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '3' },
      body: { error: { message: 'slow down', code: 'rate_limit_exceeded' } },
    });
    await assert.rejects(client.responses.create({ input: 'x' }), (error: unknown) => {
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.headers.get('retry-after'), '3');
      return true;
    });
    await assert.rejects(
      client.responses.create({ input: 'x', tools: [{ type: 'web_search' }] }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.param, 'tools[0]');
        assert.match(error.message, /'web_search' is a tool OpenAI hosts/);
        return true;
      },
    );
    const malformed = await fetch(`${server.baseUrl}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"input": ',
    });
    assert.equal(malformed.status, 400);
    const body = (await malformed.json()) as { error: { type: string } };
    assert.equal(body.error.type, 'invalid_request_error');
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The newest conversation's current answer, as a `resp_` id (through the seed's routes). */
async function newestResponseId(server: ServerProcess): Promise<string> {
  const list = (await (await fetch(`${server.baseUrl}/conversations?limit=1`)).json()) as {
    items: { id: string }[];
  };
  const id = list.items[0]?.id ?? '';
  const history = (await (await fetch(`${server.baseUrl}/conversation/${id}`)).json()) as {
    current_node: string;
  };
  return `resp_${history.current_node.replaceAll('-', '')}`;
}
