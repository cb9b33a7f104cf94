/**
 * Function tools and thinking routed to Anthropic, driven by real client libraries: the model's
 * `tool_use` comes back as OpenAI's tool call, the client runs the tool and sends the result, and
 * Parley sends Anthropic the call (after its thinking block, signature kept) and a `tool_result`.
 * The fake upstream speaks the Messages API's documented stream events.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool as langchainTool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, stepCountIs } from 'ai';
import OpenAI from 'openai';
import { z } from 'zod';
import {
  type AnthropicBlock,
  anthropicBlocksMessage,
  anthropicBlocksReply,
} from '../support/fake-openai-upstream.ts';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';
import { recordedWeather, WEATHER_SCHEMA, weatherAiSdkTool, weatherIn } from '../support/weather-tool.ts';

interface AnthropicBody {
  readonly messages: { role: string; content: string | { type: string; [field: string]: unknown }[] }[];
  readonly tools?: { name: string; input_schema: unknown }[];
  readonly tool_choice?: unknown;
  readonly thinking?: unknown;
}

const THINKING: AnthropicBlock = {
  type: 'thinking',
  thinking: 'I should call the tool.',
  signature: 'sig-e2e',
};
const CALL: AnthropicBlock = { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } };
const FINAL: AnthropicBlock = { type: 'text', text: 'It is 21 degrees in Oslo.' };

describe('a tool loop routed to Anthropic, with each client library', () => {
  let parley: ParleyWithUpstreams;
  let client: OpenAI;
  const bodies = () => parley.anthropic.requests.map((request) => request.body as AnthropicBody);
  /** The request after the tool ran: the call as tool_use, then its result as tool_result. */
  const assertResultSent = (withThinking: boolean) => {
    const { messages, tools } = bodies().at(-1) as AnthropicBody;
    assert.equal(tools?.[0]?.name, 'weather');
    const [call, result] = messages.slice(-2);
    assert.equal(call?.role, 'assistant');
    assert.deepEqual(call?.content, [
      ...(withThinking
        ? [{ type: 'thinking', thinking: 'I should call the tool.', signature: 'sig-e2e' }]
        : []),
      { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
    ]);
    assert.equal(result?.role, 'user');
    const [block] = (result?.content ?? []) as { type: string; tool_use_id: string; content: string }[];
    assert.equal(block?.type, 'tool_result');
    assert.equal(block?.tool_use_id, 'toolu_1');
    assert.match(block?.content ?? '', /21 degrees in Oslo/);
  };

  before(async () => {
    parley = await startParleyWithUpstreams();
    client = new OpenAI({ baseURL: parley.v1, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => parley.close());

  test('openai, chat completions streamed: tool_calls deltas, the tool message, the final answer', async () => {
    parley.anthropic.reply(anthropicBlocksReply([THINKING, CALL], 'tool_use'), {
      kind: 'json',
      body: anthropicBlocksMessage([FINAL]),
    });
    const tools = [{ type: 'function' as const, function: { name: 'weather', parameters: WEATHER_SCHEMA } }];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Oslo?' }];
    const stream = client.chat.completions.stream({
      model: 'claude-fake',
      messages,
      tools,
      tool_choice: 'auto',
      reasoning_effort: 'low',
    });
    const first = await stream.finalChatCompletion();
    const choice = first.choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    const call = choice?.message.tool_calls?.[0];
    assert.equal(call?.type, 'function');
    assert.equal(call.id, 'toolu_1');
    assert.equal(call.function.name, 'weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Oslo' });
    const sent = bodies().at(-1);
    assert.deepEqual(sent?.tool_choice, { type: 'auto' });
    assert.deepEqual(sent?.thinking, { type: 'enabled', budget_tokens: 2_048 });

    const second = await client.chat.completions.create({
      model: 'claude-fake',
      messages: [
        ...messages,
        { role: 'assistant', content: choice?.message.content ?? null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '21 degrees in Oslo' },
      ],
      tools,
      reasoning_effort: 'low',
    });
    assert.equal(second.choices[0]?.message.content, 'It is 21 degrees in Oslo.');
    // Chat Completions has no field for thinking: this turn of the loop runs without it.
    assertResultSent(false);
    assert.equal(bodies().at(-1)?.thinking, undefined);
  });

  test('openai, responses: the call after its thinking, its output by previous_response_id, the answer', async () => {
    parley.anthropic.reply(anthropicBlocksReply([THINKING, CALL], 'tool_use'), {
      kind: 'json',
      body: anthropicBlocksMessage([FINAL]),
    });
    const tools = [{ type: 'function' as const, name: 'weather', parameters: WEATHER_SCHEMA, strict: true }];
    const stream = client.responses.stream({
      model: 'claude-fake',
      input: 'Weather in Oslo?',
      tools,
      reasoning: { effort: 'low', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
    });
    const done: unknown[] = [];
    stream.on('response.output_item.done', (event) => done.push(event.item));
    const first = await stream.finalResponse();
    const [thinking] = first.output;
    assert.equal(thinking?.type, 'reasoning');
    assert.deepEqual(thinking.summary, [{ type: 'summary_text', text: 'I should call the tool.' }]);
    assert.ok((thinking.encrypted_content ?? '') !== '', 'the thinking block travels as encrypted_content');
    assert.deepEqual(done[0], thinking, 'the streamed item is the stored one');
    const call = first.output.find((item) => item.type === 'function_call');
    assert.equal(call?.type, 'function_call');
    assert.equal(call.call_id, 'toolu_1');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Oslo' });

    const second = await client.responses.create({
      model: 'claude-fake',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: 'toolu_1', output: '21 degrees in Oslo' }],
      tools,
      reasoning: { effort: 'low' },
    });
    assert.equal(second.output_text, 'It is 21 degrees in Oslo.');
    // The stored thinking went back with its signature, so the loop keeps thinking.
    assertResultSent(true);
    assert.deepEqual(bodies().at(-1)?.thinking, { type: 'enabled', budget_tokens: 2_048 });
  });

  test("LangChain's ChatOpenAI on the Responses API: bindTools, the stored thinking sent back by its rs_ id", async () => {
    parley.anthropic.reply(
      { kind: 'json', body: anthropicBlocksMessage([THINKING, CALL], 'tool_use') },
      { kind: 'json', body: anthropicBlocksMessage([FINAL]) },
    );
    const weather = langchainTool(async ({ city }: { city: string }) => weatherIn(city), {
      name: 'weather',
      description: 'The weather in a city',
      schema: z.object({ city: z.string() }),
    });
    const model = new ChatOpenAI({
      model: 'claude-fake',
      apiKey: 'unused',
      configuration: { baseURL: parley.v1 },
      useResponsesApi: true,
      maxRetries: 0,
    }).bindTools([weather]);
    const question = new HumanMessage('Weather in Oslo?');
    const call = await model.invoke([question]);
    const [toolCall] = call.tool_calls ?? [];
    assert.equal(toolCall?.name, 'weather');
    const output = await weather.invoke(toolCall?.args as { city: string });
    const answer = await model.invoke([
      question,
      call,
      new ToolMessage({ content: String(output), tool_call_id: toolCall?.id ?? '' }),
    ]);
    assert.equal(answer.text, 'It is 21 degrees in Oslo.');
    // LangChain sends the reasoning item back with an empty summary and no payload: Parley adds the stored one.
    assertResultSent(true);
  });

  test('the AI SDK: generateText with a tool and stopWhen on the chat model', async () => {
    parley.anthropic.reply(
      { kind: 'json', body: anthropicBlocksMessage([CALL], 'tool_use') },
      { kind: 'json', body: anthropicBlocksMessage([FINAL]) },
    );
    const openai = createOpenAI({ baseURL: parley.v1, apiKey: 'unused' });
    const { cities, weatherIn } = recordedWeather();
    const result = await generateText({
      model: openai.chat('claude-fake'),
      prompt: 'Weather in Oslo?',
      tools: { weather: weatherAiSdkTool(weatherIn) },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    assert.equal(result.text, 'It is 21 degrees in Oslo.');
    assert.equal(result.steps.length, 2);
    assert.deepEqual(cities, ['Oslo']);
    assertResultSent(false);
  });
});
