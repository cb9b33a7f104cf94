/**
 * Reasoning on `/v1/chat/completions` as DeepSeek's API gives it: `reasoning_content` on the
 * choice's `message` and on streamed `delta`s, from an OpenAI-compatible upstream's
 * `reasoning_content` and from Anthropic's thinking. The official SDK carries the field in its raw
 * JSON, LangChain's ChatOpenAI keeps it in `additional_kwargs`, the AI SDK's openai-compatible
 * provider reads it as reasoning and sends it back; an assistant message's `reasoning_content`
 * reaches an OpenAI-compatible upstream with its tool calls (DeepSeek requires it there).
 * Anthropic cannot take it back (no signature): its tool loop's next turn runs without thinking.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { AIMessageChunk } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, stepCountIs, streamText } from 'ai';
import OpenAI from 'openai';
import {
  type AnthropicBlock,
  anthropicBlocksMessage,
  anthropicBlocksReply,
  completion,
  reasoningStreamReply,
  toolCallCompletion,
  withReasoningContent,
} from '../support/fake-openai-upstream.ts';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';
import { weatherAiSdkTool } from '../support/weather-tool.ts';

/** The non-standard field, as clients read it from the raw JSON. */
type WithReasoning = { reasoning_content?: string };
interface UpstreamMessage {
  readonly role: string;
  readonly content: unknown;
  readonly reasoning_content?: string;
}

const THINKING: AnthropicBlock = { type: 'thinking', thinking: 'Add them up.', signature: 'sig-c' };

const reasoningStream = reasoningStreamReply(['Two and ', 'two.'], 'Four.');

/** An assistant turn sent back: reasoning_content with the call it led to. */
const callWithReasoning = (id: string): OpenAI.Chat.ChatCompletionAssistantMessageParam =>
  ({
    role: 'assistant',
    content: null,
    reasoning_content: 'Ask the tool.',
    tool_calls: [{ id, type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
  }) as OpenAI.Chat.ChatCompletionAssistantMessageParam;

/** A whole OpenAI-compatible answer with its reasoning, as DeepSeek sends it. */
const reasoningCompletion = (reasoning: string, content: string) =>
  withReasoningContent(completion(content), reasoning);

describe('reasoning on /v1/chat/completions', () => {
  let parley: ParleyWithUpstreams;
  let client: OpenAI;
  const sentToOpenAI = () => (parley.openai.lastRequest().body as { messages: UpstreamMessage[] }).messages;

  before(async () => {
    parley = await startParleyWithUpstreams();
    client = new OpenAI({ baseURL: parley.v1, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => parley.close());

  test('openai-compatible, whole: the upstream reasoning_content on the message', async () => {
    parley.openai.reply({ kind: 'json', body: reasoningCompletion('Two and two.', 'Four.') });
    const answer = await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: '2+2?' }],
    });
    const message = answer.choices[0]?.message as OpenAI.Chat.ChatCompletionMessage & WithReasoning;
    assert.equal(message.content, 'Four.');
    assert.equal(message.reasoning_content, 'Two and two.');
  });

  test('an answer without reasoning has no reasoning_content', async () => {
    parley.openai.reply({ kind: 'json', body: completion('Hi.') });
    const answer = await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal('reasoning_content' in (answer.choices[0]?.message ?? {}), false);
  });

  test('openai-compatible, streamed: reasoning_content deltas before the content', async () => {
    parley.openai.reply(reasoningStream);
    const stream = await client.chat.completions.create({
      model: 'fake-model',
      stream: true,
      messages: [{ role: 'user', content: '2+2?' }],
    });
    const pieces: string[] = [];
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as
        | (OpenAI.Chat.ChatCompletionChunk.Choice.Delta & WithReasoning)
        | undefined;
      if (delta?.reasoning_content !== undefined) pieces.push(`r:${delta.reasoning_content}`);
      if (delta?.content) pieces.push(`c:${delta.content}`);
    }
    assert.deepEqual(pieces, ['r:Two and ', 'r:two.', 'c:Four.']);
  });

  test("openai-node's stream helper is not thrown by the field: its final completion is whole", async () => {
    parley.openai.reply(reasoningStream);
    const stream = client.chat.completions.stream({
      model: 'fake-model',
      messages: [{ role: 'user', content: '2+2?' }],
    });
    const final = await stream.finalChatCompletion();
    assert.equal(final.choices[0]?.message.content, 'Four.');
    assert.equal(final.choices[0]?.finish_reason, 'stop');
  });

  test('anthropic thinking, whole and streamed, as reasoning_content', async () => {
    const request = {
      model: 'claude-fake',
      reasoning_effort: 'low' as const,
      messages: [{ role: 'user' as const, content: '2+2?' }],
    };
    parley.anthropic.reply({
      kind: 'json',
      body: anthropicBlocksMessage([THINKING, { type: 'text', text: 'Four.' }]),
    });
    const whole = await client.chat.completions.create(request);
    const message = whole.choices[0]?.message as OpenAI.Chat.ChatCompletionMessage & WithReasoning;
    assert.equal(message.reasoning_content, 'Add them up.');
    assert.equal(message.content, 'Four.');

    parley.anthropic.reply(anthropicBlocksReply([THINKING, { type: 'text', text: 'Four.' }]));
    const stream = await client.chat.completions.create({ ...request, stream: true });
    let reasoning = '';
    let content = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as
        | (OpenAI.Chat.ChatCompletionChunk.Choice.Delta & WithReasoning)
        | undefined;
      reasoning += delta?.reasoning_content ?? '';
      content += delta?.content ?? '';
    }
    assert.equal(reasoning, 'Add them up.');
    assert.equal(content, 'Four.');
  });

  test('reasoning_content sent back with tool calls reaches an OpenAI-compatible upstream; on a plain answer it is not sent', async () => {
    parley.openai.reply({ kind: 'json', body: completion('21 degrees, as before.') });
    await client.chat.completions.create({
      model: 'fake-model',
      messages: [
        { role: 'user', content: 'Hi' },
        {
          role: 'assistant',
          content: 'Hello.',
          reasoning_content: 'Greet back.',
        } as OpenAI.Chat.ChatCompletionAssistantMessageParam,
        { role: 'user', content: 'Weather in Oslo?' },
        callWithReasoning('call_1'),
        { role: 'tool', tool_call_id: 'call_1', content: '21 degrees' },
      ],
    });
    const [, plain, , call] = sentToOpenAI();
    assert.deepEqual(plain, { role: 'assistant', content: 'Hello.' });
    assert.equal(call?.reasoning_content, 'Ask the tool.');
  });

  test('reasoning_content on a user message is a 400 naming it', async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: 'fake-model',
        messages: [
          {
            role: 'user',
            content: 'hi',
            reasoning_content: 'mine',
          } as OpenAI.Chat.ChatCompletionUserMessageParam,
        ],
      }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError && error.param === 'messages[0].reasoning_content',
    );
  });

  test('anthropic: a tool loop sent back with reasoning_content runs its next turn without thinking', async () => {
    parley.anthropic.reply({
      kind: 'json',
      body: anthropicBlocksMessage([{ type: 'text', text: '21 degrees.' }]),
    });
    const answer = await client.chat.completions.create({
      model: 'claude-fake',
      reasoning_effort: 'low',
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        callWithReasoning('toolu_1'),
        { role: 'tool', tool_call_id: 'toolu_1', content: '21 degrees' },
      ],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
    });
    assert.equal(answer.choices[0]?.message.content, '21 degrees.');
    const sent = parley.anthropic.lastRequest().body as {
      thinking?: unknown;
      messages: { role: string; content: { type: string }[] | string }[];
    };
    assert.equal(sent.thinking, undefined);
    const call = sent.messages[1]?.content;
    assert.deepEqual(typeof call === 'string' ? call : call?.map((block) => block.type), ['tool_use']);
  });

  test("LangChain's ChatOpenAI keeps it in additional_kwargs, whole and streamed", async () => {
    const model = new ChatOpenAI({
      model: 'fake-model',
      apiKey: 'unused',
      configuration: { baseURL: parley.v1 },
      maxRetries: 0,
    });
    parley.openai.reply({ kind: 'json', body: reasoningCompletion('Two and two.', 'Four.') });
    const whole = await model.invoke('2+2?');
    assert.equal(whole.content, 'Four.');
    assert.equal(whole.additional_kwargs.reasoning_content, 'Two and two.');

    parley.openai.reply(reasoningStream);
    let merged: AIMessageChunk | undefined;
    for await (const chunk of await model.stream('2+2?'))
      merged = merged === undefined ? chunk : merged.concat(chunk);
    assert.equal(merged?.content, 'Four.');
    assert.equal(merged?.additional_kwargs.reasoning_content, 'Two and two.');
  });

  describe("the AI SDK's openai-compatible provider", () => {
    const provider = () => createOpenAICompatible({ name: 'parley', baseURL: parley.v1, apiKey: 'unused' });

    test('generateText and streamText read the reasoning', async () => {
      parley.openai.reply({ kind: 'json', body: reasoningCompletion('Two and two.', 'Four.') });
      const whole = await generateText({ model: provider().chatModel('fake-model'), prompt: '2+2?' });
      assert.equal(whole.reasoningText, 'Two and two.');
      assert.equal(whole.text, 'Four.');

      parley.openai.reply(reasoningStream);
      const streamed = streamText({ model: provider().chatModel('fake-model'), prompt: '2+2?' });
      assert.equal(await streamed.text, 'Four.');
      assert.equal(await streamed.reasoningText, 'Two and two.');
    });

    test('a tool loop sends the reasoning back with the call, and the upstream receives it', async () => {
      parley.openai.reply(
        {
          kind: 'json',
          body: withReasoningContent(
            toolCallCompletion('weather', { city: 'Oslo' }, 'call_9'),
            'Ask the tool.',
          ),
        },
        { kind: 'json', body: reasoningCompletion('It said 21.', 'It is 21 degrees in Oslo.') },
      );
      const result = await generateText({
        model: provider().chatModel('fake-model'),
        prompt: 'Weather in Oslo?',
        tools: { weather: weatherAiSdkTool() },
        stopWhen: stepCountIs(3),
      });
      assert.equal(result.text, 'It is 21 degrees in Oslo.');
      const call = sentToOpenAI().find((message) => message.role === 'assistant');
      assert.equal(call?.reasoning_content, 'Ask the tool.');
    });
  });
});
