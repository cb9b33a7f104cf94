/**
 * Reasoning on `/v1/responses`, as client libraries read it: an OpenAI-compatible upstream's
 * `reasoning_content` / `reasoning` deltas and Anthropic's thinking become `reasoning` output
 * items (streamed with OpenAI's reasoning summary events), and the thinking's signature, kept as
 * `encrypted_content`, goes back to Anthropic when a client replays its history or refers to the
 * stored item.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { Agent, run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled } from '@openai/agents';
import { generateText, stepCountIs } from 'ai';
import OpenAI from 'openai';
import {
  type AnthropicBlock,
  anthropicBlocksMessage,
  completion,
  reasoningStreamReply,
  toolCallCompletion,
  withReasoningContent,
} from '../support/fake-openai-upstream.ts';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';
import { weatherAgentTool, weatherAiSdkTool } from '../support/weather-tool.ts';

interface AnthropicBody {
  readonly messages: { role: string; content: string | { type: string; [field: string]: unknown }[] }[];
  readonly thinking?: unknown;
}

const THINKING: AnthropicBlock = { type: 'thinking', thinking: 'The tool knows.', signature: 'sig-rs' };
const CALL: AnthropicBlock = { type: 'tool_use', id: 'toolu_9', name: 'weather', input: { city: 'Oslo' } };
const TOOLS = [
  {
    type: 'function' as const,
    name: 'weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    strict: false,
  },
];

describe('reasoning on /v1/responses', () => {
  let parley: ParleyWithUpstreams;
  let client: OpenAI;
  /** The assistant turn Anthropic received last: the thinking block must lead, signature kept. */
  const lastCallTurn = () => {
    const { messages } = parley.anthropic.lastRequest().body as AnthropicBody;
    return messages.findLast((message) => message.role === 'assistant')?.content;
  };

  before(async () => {
    parley = await startParleyWithUpstreams();
    client = new OpenAI({ baseURL: parley.v1, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => parley.close());

  test('openai, streamed: reasoning_content deltas become a reasoning item with summary events, before the message', async () => {
    parley.openai.reply(reasoningStreamReply(['Two and ', 'two.'], 'Four.'));
    const stream = client.responses.stream({
      input: '2+2?',
      reasoning: { effort: 'high', summary: 'auto' },
    });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const final = await stream.finalResponse();
    const types = events.map((event) => event.type);
    assert.deepEqual(types.slice(0, 8), [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
    ]);
    const added = events.filter((event) => event.type === 'response.output_item.added');
    assert.deepEqual(
      added.map((event) => [event.output_index, event.item.type]),
      [
        [0, 'reasoning'],
        [1, 'message'],
      ],
    );
    const [reasoning, message] = final.output;
    assert.equal(reasoning?.type, 'reasoning');
    assert.deepEqual(reasoning.summary, [{ type: 'summary_text', text: 'Two and two.' }]);
    assert.equal(message?.type, 'message');
    assert.equal(final.output_text, 'Four.');
    assert.deepEqual(final.reasoning, { effort: 'high', summary: 'auto' });
    assert.equal(
      (parley.openai.lastRequest().body as { reasoning_effort?: string }).reasoning_effort,
      'high',
    );
    const stored = await client.responses.retrieve(final.id);
    assert.deepEqual(stored.output[0], reasoning);
    assert.equal(stored.output_text, 'Four.');
  });

  test("openai, whole: OpenRouter's reasoning field; without a summary asked the item's summary stays empty", async () => {
    const reply = (reasoning: string) => ({
      kind: 'json' as const,
      body: {
        choices: [
          { index: 0, message: { role: 'assistant', content: 'Four.', reasoning }, finish_reason: 'stop' },
        ],
      },
    });
    parley.openai.reply(reply('Adding.'), reply('Adding again.'));
    const summarized = await client.responses.create({ input: '2+2?', reasoning: { summary: 'concise' } });
    assert.deepEqual(summarized.output[0], {
      type: 'reasoning',
      id: summarized.output[0]?.id,
      summary: [{ type: 'summary_text', text: 'Adding.' }],
    });
    const plain = await client.responses.create({ input: '2+2?' });
    assert.equal(plain.output[0]?.type, 'reasoning');
    assert.deepEqual(plain.output[0]?.type === 'reasoning' && plain.output[0].summary, []);
    assert.equal(plain.output_text, 'Four.');
  });

  test('openai, a stored tool loop: the call goes back to the upstream with its reasoning_content (DeepSeek requires it)', async () => {
    parley.openai.reply(
      {
        kind: 'json',
        body: withReasoningContent(
          toolCallCompletion('weather', { city: 'Oslo' }, 'call_r'),
          'Ask the tool.',
        ),
      },
      { kind: 'json', body: completion('21 degrees in Oslo.') },
    );
    const first = await client.responses.create({ input: 'Weather in Oslo?', tools: TOOLS });
    assert.deepEqual(
      first.output.map((item) => item.type),
      ['reasoning', 'function_call'],
    );
    const second = await client.responses.create({
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: 'call_r', output: '21 degrees' }],
      tools: TOOLS,
    });
    assert.equal(second.output_text, '21 degrees in Oslo.');
    const { messages } = parley.openai.lastRequest().body as { messages: Record<string, unknown>[] };
    const call = messages.find((message) => message.role === 'assistant');
    assert.equal(call?.reasoning_content, 'Ask the tool.');
    assert.equal((call?.tool_calls as unknown[] | undefined)?.length, 1);
  });

  test('anthropic: encrypted_content carries the thinking block, and a replayed history sends it back', async () => {
    parley.anthropic.reply(
      { kind: 'json', body: anthropicBlocksMessage([THINKING, CALL], 'tool_use') },
      { kind: 'json', body: anthropicBlocksMessage([{ type: 'text', text: '21 degrees.' }]) },
    );
    // No summary asked: the client holds only the payload, which must carry the thinking itself.
    const request = {
      model: 'claude-fake',
      tools: TOOLS,
      reasoning: { effort: 'low' as const },
      include: ['reasoning.encrypted_content' as const],
      store: false,
    };
    const question = { role: 'user' as const, content: 'Weather in Oslo?' };
    const first = await client.responses.create({ ...request, input: [question] });
    const [reasoning, call] = first.output;
    assert.equal(reasoning?.type, 'reasoning');
    assert.deepEqual(reasoning.summary, []);
    assert.ok((reasoning.encrypted_content ?? '') !== '');
    assert.equal(call?.type, 'function_call');

    const second = await client.responses.create({
      ...request,
      input: [
        question,
        ...(first.output as OpenAI.Responses.ResponseInputItem[]),
        { type: 'function_call_output', call_id: call.call_id, output: '21 degrees' },
      ],
    });
    assert.equal(second.output_text, '21 degrees.');
    assert.deepEqual(lastCallTurn(), [
      { type: 'thinking', thinking: 'The tool knows.', signature: 'sig-rs' },
      { type: 'tool_use', id: 'toolu_9', name: 'weather', input: { city: 'Oslo' } },
    ]);
    assert.deepEqual((parley.anthropic.lastRequest().body as AnthropicBody).thinking, {
      type: 'enabled',
      budget_tokens: 2_048,
    });
  });

  test('the Agents SDK: a tool loop whose reasoning item comes back by value keeps its stored signature', async () => {
    parley.anthropic.reply(
      { kind: 'json', body: anthropicBlocksMessage([THINKING, CALL], 'tool_use') },
      { kind: 'json', body: anthropicBlocksMessage([{ type: 'text', text: 'It is 21 degrees.' }]) },
    );
    setDefaultOpenAIClient(client);
    setOpenAIAPI('responses');
    setTracingDisabled(true);
    const agent = new Agent({
      name: 'Forecaster',
      model: 'claude-fake',
      modelSettings: { reasoning: { effort: 'low', summary: 'auto' } },
      tools: [weatherAgentTool()],
    });
    const result = await run(agent, 'Weather in Oslo?');
    assert.equal(result.finalOutput, 'It is 21 degrees.');
    // The SDK sends the rs_ item with its summary only (include: []): Parley adds the stored signature.
    assert.deepEqual(lastCallTurn(), [
      { type: 'thinking', thinking: 'The tool knows.', signature: 'sig-rs' },
      { type: 'tool_use', id: 'toolu_9', name: 'weather', input: { city: 'Oslo' } },
    ]);
  });

  test('a conversation lists reasoning items as sent (rs_ ids, retrievable), before the call they led to', async () => {
    const conversation = await client.conversations.create({
      items: [
        { role: 'user', content: 'Weather in Oslo?' },
        { type: 'reasoning', id: 'rs_client', summary: [{ type: 'summary_text', text: 'Ask the tool.' }] },
        { type: 'function_call', call_id: 'call_7', name: 'weather', arguments: '{"city":"Oslo"}' },
      ],
    });
    const items = (await client.conversations.items.list(conversation.id, { order: 'asc' })).data;
    assert.deepEqual(
      items.map((item) => item.type),
      ['message', 'reasoning', 'function_call'],
    );
    const reasoning = items[1];
    assert.equal(reasoning?.type, 'reasoning');
    assert.match(reasoning.id, /^rs_/);
    assert.deepEqual(reasoning.summary, [{ type: 'summary_text', text: 'Ask the tool.' }]);
    const again = await client.conversations.items.retrieve(reasoning.id, {
      conversation_id: conversation.id,
    });
    assert.deepEqual(again, reasoning);
  });

  test('the AI SDK Responses model: a tool loop whose reasoning item is referred to by id', async () => {
    parley.anthropic.reply(
      { kind: 'json', body: anthropicBlocksMessage([THINKING, CALL], 'tool_use') },
      { kind: 'json', body: anthropicBlocksMessage([{ type: 'text', text: 'It is 21 degrees in Oslo.' }]) },
    );
    const openai = createOpenAI({ baseURL: parley.v1, apiKey: 'unused' });
    const result = await generateText({
      model: openai('claude-fake'),
      prompt: 'Weather in Oslo?',
      tools: { weather: weatherAiSdkTool() },
      // The AI SDK sends reasoning settings only to models it knows reason, or when forced to.
      providerOptions: { openai: { forceReasoning: true, reasoningEffort: 'low', reasoningSummary: 'auto' } },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    assert.equal(result.text, 'It is 21 degrees in Oslo.');
    assert.equal(result.steps.length, 2);
    assert.equal(result.steps[0]?.reasoningText, 'The tool knows.');
    const [, second] = parley.anthropic.requests.slice(-2).map((each) => each.body as AnthropicBody);
    assert.deepEqual(second?.thinking, { type: 'enabled', budget_tokens: 2_048 });
    const turn = lastCallTurn();
    assert.deepEqual(Array.isArray(turn) ? turn[0] : turn, {
      type: 'thinking',
      thinking: 'The tool knows.',
      signature: 'sig-rs',
    });
  });
});
