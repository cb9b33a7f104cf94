/**
 * `/v1/conversations` items carry parts, through the official `openai` SDK and the Agents SDK's
 * `OpenAIConversationsSession`: input images and files (data URLs), `function_call` and
 * `function_call_output` items are stored as parts, listed back as they were sent, read one by
 * one, and reach the model when a response continues the conversation.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  OpenAIConversationsSession,
  run,
  setDefaultOpenAIClient,
  setOpenAIAPI,
  setTracingDisabled,
} from '@openai/agents';
import OpenAI from 'openai';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';
import { scriptWeatherLoop, weatherAgent } from '../support/weather-tool.ts';

interface UpstreamMessage {
  readonly role: string;
  readonly content: unknown;
  readonly tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  readonly tool_call_id?: string;
}

const PNG = `data:image/png;base64,${Buffer.from('not really a png').toString('base64')}`;
const PDF = `data:application/pdf;base64,${Buffer.from('%PDF-1.4 fake').toString('base64')}`;

describe('conversation items with parts', () => {
  let parley: ParleyWithUpstreams;
  let client: OpenAI;
  const upstreamMessages = () =>
    (parley.openai.lastRequest().body as { messages: UpstreamMessage[] }).messages;

  before(async () => {
    parley = await startParleyWithUpstreams();
    client = new OpenAI({ baseURL: parley.v1, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => parley.close());

  test('images, files, function calls and their outputs list back as they were sent', async () => {
    const conversation = await client.conversations.create({
      items: [{ type: 'message', role: 'user', content: 'What is in these, and the weather?' }],
    });
    const sent = [
      {
        type: 'message' as const,
        role: 'user' as const,
        content: [
          { type: 'input_text' as const, text: 'Look:' },
          { type: 'input_image' as const, image_url: PNG, detail: 'low' as const },
          { type: 'input_file' as const, filename: 'a.pdf', file_data: PDF },
        ],
      },
      { type: 'function_call' as const, call_id: 'call_7', name: 'weather', arguments: '{"city":"Oslo"}' },
      { type: 'function_call_output' as const, call_id: 'call_7', output: '21 degrees' },
    ];
    const created = await client.conversations.items.create(conversation.id, { items: sent });
    assert.deepEqual(
      created.data.map((item) => item.type),
      ['message', 'function_call', 'function_call_output'],
    );

    const listed = await client.conversations.items.list(conversation.id, { order: 'asc' });
    const items = listed.data.slice(1);
    assert.deepEqual(items, created.data);
    const [message, call, output] = items;
    assert.deepEqual(message?.type === 'message' && message.content, [
      { type: 'input_text', text: 'Look:' },
      { type: 'input_image', detail: 'low', file_id: null, image_url: PNG },
      { type: 'input_file', file_id: null, filename: 'a.pdf', file_data: PDF },
    ]);
    assert.ok(call?.type === 'function_call');
    assert.match(call.id ?? '', /^fc_/);
    assert.deepEqual([call.call_id, call.name, call.arguments], ['call_7', 'weather', '{"city":"Oslo"}']);
    assert.ok(output?.type === 'function_call_output');
    assert.deepEqual([output.call_id, output.output], ['call_7', '21 degrees']);

    // Each item reads back by its own id, the function call's `fc_` id included.
    for (const item of items) {
      assert.deepEqual(
        await client.conversations.items.retrieve(item.id ?? '', { conversation_id: conversation.id }),
        item,
      );
    }

    // A response continuing the conversation sends all of it to the model.
    const answer = await client.responses.create({
      model: 'fake-model',
      conversation: conversation.id,
      input: 'So?',
    });
    assert.equal(answer.output_text, 'echo: So?');
    const messages = upstreamMessages();
    const withParts = messages.find((each) => Array.isArray(each.content));
    assert.match(JSON.stringify(withParts?.content), /image_url.*data:image\/png;base64/);
    assert.match(JSON.stringify(withParts?.content), /"filename":"a.pdf"/);
    const assistant = messages.find((each) => each.tool_calls !== undefined);
    assert.equal(assistant?.tool_calls?.[0]?.id, 'call_7');
    const result = messages.find((each) => each.role === 'tool');
    assert.deepEqual([result?.tool_call_id, result?.content], ['call_7', '21 degrees']);

    // A function call item is deleted by its `fc_` id; the items after it stay.
    await client.conversations.items.delete(call.id ?? '', { conversation_id: conversation.id });
    const left = await client.conversations.items.list(conversation.id, { order: 'asc' });
    assert.deepEqual(
      left.data.map((item) => item.type),
      ['message', 'message', 'function_call_output', 'message', 'message'],
    );
    await assert.rejects(
      client.conversations.items.retrieve(call.id ?? '', { conversation_id: conversation.id }),
      OpenAI.NotFoundError,
    );

    // A call sent right after the assistant's message is stored in that message: deleting the
    // call alone would drop the text, so it is refused, naming the message to delete instead.
    const turn = await client.conversations.items.create(conversation.id, {
      items: [
        { type: 'message', role: 'assistant', content: 'Let me check.' },
        { type: 'function_call', call_id: 'call_8', name: 'weather', arguments: '{}' },
      ],
    });
    assert.deepEqual(
      turn.data.map((item) => item.type),
      ['message', 'function_call'],
    );
    const [said, merged] = turn.data;
    await assert.rejects(
      client.conversations.items.delete(merged?.id ?? '', { conversation_id: conversation.id }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError && error.message.includes(`delete '${said?.id}'`),
    );
  });

  test("a response's input items list its images, files and tool items as they were sent", async () => {
    const content = [
      { type: 'input_text' as const, text: 'Look:' },
      { type: 'input_image' as const, image_url: PNG, detail: 'low' as const },
      { type: 'input_file' as const, filename: 'a.pdf', file_data: PDF },
    ];
    const response = await client.responses.create({
      model: 'fake-model',
      input: [
        { type: 'message', role: 'user', content },
        { type: 'function_call', call_id: 'call_9', name: 'weather', arguments: '{"city":"Oslo"}' },
        { type: 'function_call_output', call_id: 'call_9', output: '21 degrees' },
      ],
    });
    const listed = await client.responses.inputItems.list(response.id, { order: 'asc' });
    assert.deepEqual(
      listed.data.map((item) => item.type),
      ['message', 'function_call', 'function_call_output'],
    );
    const [message, call, output] = listed.data;
    assert.deepEqual(message?.type === 'message' && message.content, [
      { type: 'input_text', text: 'Look:' },
      { type: 'input_image', detail: 'low', file_id: null, image_url: PNG },
      { type: 'input_file', file_id: null, filename: 'a.pdf', file_data: PDF },
    ]);
    assert.ok(call?.type === 'function_call');
    assert.deepEqual([call.call_id, call.name, call.arguments], ['call_9', 'weather', '{"city":"Oslo"}']);
    assert.ok(output?.type === 'function_call_output');
    assert.deepEqual([output.call_id, output.output], ['call_9', '21 degrees']);

    // The same listing as a conversation's items: newest first by default, paged by cursor.
    const newest = await client.responses.inputItems.list(response.id, { limit: 1 });
    assert.deepEqual(
      newest.data.map((item) => item.id),
      [output.id],
    );
    assert.equal(newest.hasNextPage(), true);
  });

  test("the Agents SDK's OpenAIConversationsSession keeps a tool call and its result", async () => {
    setDefaultOpenAIClient(client);
    setOpenAIAPI('responses');
    setTracingDisabled(true);
    const agent = weatherAgent('fake-model');
    scriptWeatherLoop(parley.openai);
    const session = new OpenAIConversationsSession({ client });
    const result = await run(agent, 'What is the weather in Oslo?', { session });
    assert.equal(result.finalOutput, 'It is 21 degrees in Oslo.');
    const items = await session.getItems();
    assert.deepEqual(
      items.map((item) => ('role' in item ? item.role : item.type)),
      ['user', 'function_call', 'function_call_result', 'assistant'],
    );
    const second = await run(agent, 'And tomorrow?', { session });
    assert.equal(second.finalOutput, 'echo: And tomorrow?');
    const tool = upstreamMessages().find((each) => each.role === 'tool');
    assert.deepEqual([tool?.tool_call_id, tool?.content], ['call_1', '21 degrees in Oslo']);
  });
});
