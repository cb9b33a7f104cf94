import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  anthropicBlocksMessage,
  anthropicBlocksReply,
  FakeOpenAIUpstream,
} from '../../../test/support/fake-openai-upstream.ts';
import { type PromptMessage, ProviderError, type StreamPart } from '../spec.ts';
import { AnthropicChatModel } from './anthropic-chat-model.ts';
import { thinkingRequest } from './anthropic-reasoning.ts';
import { fromThinkingBlock } from './anthropic-thinking-payload.ts';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.ts';

/** The payload a reasoning part keeps for a thinking block (or a redacted one). */
const payloadOf = (block: { type: string; thinking?: string; signature?: string; data?: string }) =>
  fromThinkingBlock(block)?.encrypted ?? '';

const weather = {
  name: 'weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

/** A tool loop's second request: the question, the call (after its thinking), the result. */
const loop: PromptMessage[] = [
  { role: 'system', content: 'Use tools.' },
  { role: 'user', content: 'Weather in Oslo and Rome?' },
  {
    role: 'assistant',
    content: '',
    parts: [
      // The text a client shows may be a summary, or nothing: the payload alone goes back.
      {
        type: 'reasoning',
        text: '',
        encrypted: payloadOf({ type: 'thinking', thinking: 'I need the tool.', signature: 'sig-1' }),
      },
      { type: 'reasoning', text: '', encrypted: payloadOf({ type: 'redacted_thinking', data: 'opaque' }) },
      { type: 'reasoning', text: 'no payload, not sent back' },
      { type: 'reasoning', text: 'another provider’s payload, not sent back', encrypted: 'gAAAAB-openai' },
      { type: 'text', text: '' },
    ],
    toolCalls: [
      { id: 'toolu_1', name: 'weather', arguments: '{"city":"Oslo"}' },
      { id: 'toolu_2', name: 'weather', arguments: '' },
    ],
  },
  { role: 'tool', content: '21 degrees', toolCallId: 'toolu_1' },
  { role: 'tool', content: '25 degrees', toolCallId: 'toolu_2' },
];

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

describe('AnthropicChatModel with tools and thinking', () => {
  let upstream: FakeOpenAIUpstream;
  let model: AnthropicChatModel;
  before(async () => {
    upstream = await FakeOpenAIUpstream.start('anthropic');
    model = new AnthropicChatModel({ baseUrl: upstream.baseUrl, modelId: 'claude-fake', apiKey: 'sk-ant' });
  });
  after(() => upstream.close());

  test('sends tools, the choice, thinking, tool_use after replayed thinking, and merged tool_result blocks', async () => {
    upstream.reply({ kind: 'json', body: anthropicBlocksMessage([{ type: 'text', text: 'Done.' }]) });
    await model.doGenerate(loop, {
      tools: [weather, { name: 'now' }],
      toolChoice: 'auto',
      parallelToolCalls: false,
      reasoning: { effort: 'low' },
    });
    const body = upstream.lastRequest().body as Record<string, unknown>;
    assert.deepEqual(body.tools, [
      { name: 'weather', description: 'The weather in a city', input_schema: weather.parameters },
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ]);
    assert.deepEqual(body.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 2_048 });
    assert.equal(body.max_tokens, 2_048 + 4_096);
    assert.equal(body.system, 'Use tools.');
    assert.deepEqual(body.messages, [
      { role: 'user', content: 'Weather in Oslo and Rome?' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'I need the tool.', signature: 'sig-1' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'toolu_2', name: 'weather', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '21 degrees' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: '25 degrees' },
        ],
      },
    ]);
  });

  test('a tool loop whose call came back without its thinking continues without thinking', async () => {
    const withoutThinking = loop.map((message) =>
      message.toolCalls === undefined ? message : { ...message, parts: [] },
    );
    await model.doGenerate(withoutThinking, { reasoning: { effort: 'low' } });
    assert.equal((upstream.lastRequest().body as { thinking?: unknown }).thinking, undefined);
    // The next turn of the conversation, after an answer, may think again.
    await model.doGenerate(
      [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: 'Sunny.' },
        { role: 'user', content: 'And Paris?' },
      ],
      { reasoning: { effort: 'low' } },
    );
    assert.notEqual((upstream.lastRequest().body as { thinking?: unknown }).thinking, undefined);
  });

  test('thinking refuses what Anthropic refuses with it: a forced call, a temperature, a low top_p', async () => {
    const requests = upstream.requests.length;
    for (const [options, named] of [
      [{ tools: [weather], toolChoice: 'required' }, /forced tool call/],
      [{ tools: [weather], toolChoice: { name: 'weather' } }, /forced tool call/],
      [{ temperature: 0.2 }, /temperature/],
      [{ topP: 0.5 }, /top_p/],
    ] as const) {
      await assert.rejects(
        model.doGenerate([{ role: 'user', content: 'hi' }], { ...options, reasoning: { effort: 'low' } }),
        (error: unknown) =>
          error instanceof ProviderError && error.kind === 'unsupported' && named.test(error.message),
      );
    }
    assert.equal(upstream.requests.length, requests, 'nothing refused reaches the upstream');
    await model.doGenerate([{ role: 'user', content: 'hi' }], {
      temperature: 1,
      topP: 0.95,
      tools: [weather],
      toolChoice: 'auto',
      reasoning: { effort: 'low' },
    });
  });

  test('maps each tool choice; no tools send no choice; none asks for no thinking', async () => {
    for (const [toolChoice, expected] of [
      ['auto', { type: 'auto' }],
      ['none', { type: 'none' }],
      [{ name: 'weather' }, { type: 'tool', name: 'weather' }],
      [undefined, undefined],
    ] as const) {
      await model.doGenerate([{ role: 'user', content: 'hi' }], {
        tools: [weather],
        ...(toolChoice === undefined ? {} : { toolChoice }),
      });
      assert.deepEqual((upstream.lastRequest().body as { tool_choice?: unknown }).tool_choice, expected);
    }
    await model.doGenerate([{ role: 'user', content: 'hi' }], { reasoning: { effort: 'none' } });
    const body = upstream.lastRequest().body as Record<string, unknown>;
    assert.equal(body.thinking, undefined);
    assert.equal(body.tools, undefined);
    assert.equal(body.tool_choice, undefined);
  });

  test('streams thinking (its signature at its end), text, and tool calls; tool_use stops for tool-calls', async () => {
    upstream.reply(
      anthropicBlocksReply(
        [
          { type: 'thinking', thinking: 'Two cities, two calls.', signature: 'sig-abc' },
          { type: 'redacted_thinking', data: 'secret' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_a', name: 'weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'toolu_b', name: 'now', input: {} },
        ],
        'tool_use',
      ),
    );
    const parts = await collect(model.doStream([{ role: 'user', content: 'hi' }], { tools: [weather] }));
    const reasoning = parts.flatMap((part) => (part.type === 'reasoning-delta' ? [part.delta] : []));
    assert.equal(reasoning.join(''), 'Two cities, two calls.');
    assert.deepEqual(
      parts.filter((part) => part.type === 'reasoning-end'),
      [
        {
          type: 'reasoning-end',
          encrypted: payloadOf({
            type: 'thinking',
            thinking: 'Two cities, two calls.',
            signature: 'sig-abc',
          }),
        },
        { type: 'reasoning-end', encrypted: payloadOf({ type: 'redacted_thinking', data: 'secret' }) },
      ],
    );
    const calls = parts.filter((part) => part.type === 'tool-call-delta');
    assert.deepEqual(calls[0], {
      type: 'tool-call-delta',
      index: 0,
      id: 'toolu_a',
      name: 'weather',
      argumentsDelta: '',
    });
    const args = (index: number) =>
      calls.flatMap((part) => (part.index === index ? [part.argumentsDelta] : [])).join('');
    assert.equal(args(0), '{"city":"Oslo"}');
    assert.equal(calls.find((part) => part.index === 1)?.id, 'toolu_b');
    // An input of `{}` is streamed as such; the empty object is its arguments.
    assert.deepEqual(JSON.parse(args(1)), {});
    assert.deepEqual(parts.at(-1), {
      type: 'finish',
      finishReason: 'tool-calls',
      usage: { inputTokens: 5, outputTokens: 9 },
    });
  });

  test('doGenerate reads thinking, text and tool_use blocks', async () => {
    upstream.reply({
      kind: 'json',
      body: anthropicBlocksMessage(
        [
          { type: 'thinking', thinking: 'Hm.', signature: 'sig-2' },
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_c', name: 'weather', input: { city: 'Rome' } },
        ],
        'tool_use',
      ),
    });
    const result = await model.doGenerate([{ role: 'user', content: 'hi' }], { tools: [weather] });
    assert.deepEqual(result, {
      text: 'Let me check.',
      finishReason: 'tool-calls',
      usage: { inputTokens: 5, outputTokens: 7 },
      reasoning: [
        { text: 'Hm.', encrypted: payloadOf({ type: 'thinking', thinking: 'Hm.', signature: 'sig-2' }) },
      ],
      toolCalls: [{ id: 'toolu_c', name: 'weather', arguments: '{"city":"Rome"}' }],
    });
  });

  test('a call whose arguments are not a JSON object is refused before any request', async () => {
    const requests = upstream.requests.length;
    await assert.rejects(
      model.doGenerate(
        [
          { role: 'user', content: 'hi' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 'toolu_x', name: 'weather', arguments: '[1' }],
          },
          { role: 'tool', content: 'r', toolCallId: 'toolu_x' },
        ],
        {},
      ),
      (error: unknown) =>
        error instanceof ProviderError && error.kind === 'unsupported' && /toolu_x/.test(error.message),
    );
    assert.equal(upstream.requests.length, requests);
  });
});

describe('mapAnthropicStopReason', () => {
  test("reads each of Anthropic's stop reasons", () => {
    assert.deepEqual(
      [
        'end_turn',
        'stop_sequence',
        'max_tokens',
        'model_context_window_exceeded',
        'tool_use',
        'refusal',
        'pause_turn',
      ].map(mapAnthropicStopReason),
      ['stop', 'stop', 'length', 'length', 'tool-calls', 'content-filter', 'other'],
    );
  });
});

describe('thinkingRequest', () => {
  test('fits the budget under a set output limit, and refuses a limit too small to think', () => {
    assert.deepEqual(thinkingRequest(undefined, undefined, 4_096), { max_tokens: 4_096 });
    assert.deepEqual(thinkingRequest('high', 3_000, 4_096), {
      thinking: { type: 'enabled', budget_tokens: 2_999 },
      max_tokens: 3_000,
    });
    assert.deepEqual(thinkingRequest('minimal', 50_000, 4_096), {
      thinking: { type: 'enabled', budget_tokens: 1_024 },
      max_tokens: 50_000,
    });
    assert.throws(
      () => thinkingRequest('low', 1_000, 4_096),
      (error: unknown) => error instanceof ProviderError && error.kind === 'unsupported',
    );
  });
});
