/**
 * The deprecated functions API on `/v1/chat/completions`, through the official `openai` SDK (it
 * still types `functions`, `function_call` and `role: 'function'`): the functions reach the
 * upstream as tools (one call per answer), the call comes back as `message.function_call` (whole)
 * or `delta.function_call` (streamed) with finish reason `function_call`, and the function's result
 * sent back as a `function` message reaches the model as the call's tool result, through to the
 * final answer. Anthropic gets the same history as `tool_use` / `tool_result` blocks.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import {
  anthropicMessage,
  completion,
  streamedToolCall,
  toolCallCompletion,
} from '../support/fake-openai-upstream.ts';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';

interface UpstreamMessage {
  readonly role: string;
  readonly content: unknown;
  readonly tool_call_id?: string;
  readonly tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
}
interface UpstreamBody {
  readonly messages: UpstreamMessage[];
  readonly [field: string]: unknown;
}

const WEATHER: OpenAI.Chat.ChatCompletionCreateParams.Function = {
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const CALL = { name: 'get_weather', arguments: '{"city":"Oslo"}' };
/** The conversation after the function ran: the question, the call, and its result. */
const HISTORY: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: 'user', content: 'Weather in Oslo?' },
  { role: 'assistant', content: null, function_call: CALL },
  { role: 'function', name: 'get_weather', content: '{"temperature":3}' },
];

describe('the deprecated functions API on chat completions', () => {
  let parley: ParleyWithUpstreams;
  let client: OpenAI;
  const upstreamBody = () => parley.openai.lastRequest().body as UpstreamBody;

  before(async () => {
    parley = await startParleyWithUpstreams();
    client = new OpenAI({ baseURL: parley.v1, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => parley.close());

  test('whole: functions go upstream as tools, the call comes back as function_call, the result reaches the answer', async () => {
    parley.openai.reply({ kind: 'json', body: toolCallCompletion('get_weather', { city: 'Oslo' }) });
    const called = await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      functions: [WEATHER],
      function_call: { name: 'get_weather' },
    });
    const sent = upstreamBody();
    assert.deepEqual(sent.tools, [{ type: 'function', function: WEATHER }]);
    assert.deepEqual(sent.tool_choice, { type: 'function', function: { name: 'get_weather' } });
    assert.equal(sent.parallel_tool_calls, false);
    assert.equal(sent.functions, undefined);
    assert.equal(sent.function_call, undefined);
    const [choice] = called.choices;
    assert.equal(choice?.finish_reason, 'function_call');
    assert.deepEqual(choice?.message.function_call, CALL);
    assert.equal(choice?.message.tool_calls, undefined);
    assert.equal(choice?.message.content, null);

    parley.openai.reply({ kind: 'json', body: completion('It is 3 degrees in Oslo.') });
    const answered = await client.chat.completions.create({
      model: 'fake-model',
      messages: HISTORY,
      functions: [WEATHER],
      function_call: 'auto',
    });
    assert.equal(answered.choices[0]?.message.content, 'It is 3 degrees in Oslo.');
    assert.equal(answered.choices[0]?.finish_reason, 'stop');
    const [, call, result] = upstreamBody().messages;
    assert.deepEqual(call?.tool_calls, [{ id: 'call_fn1', type: 'function', function: CALL }]);
    assert.equal(result?.role, 'tool');
    assert.equal(result?.tool_call_id, 'call_fn1');
    assert.equal(result?.content, '{"temperature":3}');
    assert.equal(upstreamBody().tool_choice, 'auto');
  });

  test('streamed: delta.function_call pieces that the SDK assembles, finish reason function_call', async () => {
    parley.openai.reply(streamedToolCall('get_weather', ['{"city":', '"Oslo"}']));
    const stream = client.chat.completions.stream({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      functions: [WEATHER],
    });
    const deltas: unknown[] = [];
    stream.on('chunk', (chunk) => {
      const delta = chunk.choices[0]?.delta;
      // A copy: the SDK grows its snapshot of the message from these very objects.
      if (delta?.function_call !== undefined) deltas.push(structuredClone(delta.function_call));
      assert.equal(delta?.tool_calls, undefined);
    });
    const final = await stream.finalChatCompletion();
    assert.deepEqual(deltas, [
      { name: 'get_weather', arguments: '' },
      { arguments: '{"city":' },
      { arguments: '"Oslo"}' },
    ]);
    assert.equal(final.choices[0]?.finish_reason, 'function_call');
    assert.deepEqual(final.choices[0]?.message.function_call, CALL);

    // The final answer after the function message, streamed as plain content.
    parley.openai.reply({ kind: 'stream', deltas: ['It is 3', ' degrees in Oslo.'] });
    const answer = client.chat.completions.stream({
      model: 'fake-model',
      messages: HISTORY,
      functions: [WEATHER],
    });
    const text = (await answer.finalChatCompletion()).choices[0]?.message.content;
    assert.equal(text, 'It is 3 degrees in Oslo.');
    assert.equal(upstreamBody().messages.at(-1)?.tool_call_id, 'call_fn1');
  });

  test('anthropic gets the history as tool_use and tool_result blocks with the same id', async () => {
    parley.anthropic.reply({ kind: 'json', body: anthropicMessage('It is 3 degrees in Oslo.') });
    const answered = await client.chat.completions.create({
      model: 'claude-fake',
      messages: HISTORY,
      functions: [WEATHER],
    });
    assert.equal(answered.choices[0]?.message.content, 'It is 3 degrees in Oslo.');
    const sent = parley.anthropic.lastRequest().body as {
      messages: { role: string; content: { type: string; id?: string; tool_use_id?: string }[] }[];
      tools: { name: string }[];
      tool_choice?: { type: string; disable_parallel_tool_use?: boolean };
    };
    assert.deepEqual(
      sent.tools.map((tool) => tool.name),
      ['get_weather'],
    );
    assert.equal(sent.tool_choice?.disable_parallel_tool_use, true);
    const use = sent.messages[1]?.content.find((block) => block.type === 'tool_use');
    const result = sent.messages[2]?.content.find((block) => block.type === 'tool_result');
    assert.equal(use?.id, 'call_fn1');
    assert.equal(result?.tool_use_id, 'call_fn1');
  });

  test('what cannot be read is a 400 naming it', async () => {
    const cases: [Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming>, string][] = [
      [{ messages: [{ role: 'function', name: 'get_weather', content: '3' }] }, 'messages[0]'],
      [{ functions: [WEATHER], tools: [{ type: 'function', function: WEATHER }] }, 'functions'],
      [{ functions: [WEATHER], function_call: { name: 'get_time' } }, 'function_call'],
      [{ function_call: 'auto', tool_choice: 'auto' }, 'function_call'],
    ];
    for (const [fields, param] of cases) {
      await assert.rejects(
        client.chat.completions.create({
          model: 'fake-model',
          messages: [{ role: 'user', content: 'x' }],
          ...fields,
        }),
        (error) => {
          assert.ok(error instanceof OpenAI.BadRequestError, String(error));
          assert.equal(error.param, param);
          return true;
        },
      );
    }
  });
});
