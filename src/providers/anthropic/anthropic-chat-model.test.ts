import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  anthropicFrame,
  anthropicMessage,
  FakeOpenAIUpstream,
} from '../../../test/support/fake-openai-upstream.ts';
import { ProviderError, type StreamPart } from '../spec.ts';
import { ANTHROPIC_VERSION, AnthropicChatModel } from './anthropic-chat-model.ts';

const API_KEY = 'sk-ant-test-secret-0123456789';
const prompt = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hello?' },
] as const;

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

async function rejectsWith(promise: Promise<unknown>, check: (error: ProviderError) => void): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    check(error);
    assert.ok(!error.message.includes(API_KEY));
    return true;
  });
}

describe('AnthropicChatModel', () => {
  let upstream: FakeOpenAIUpstream;
  let model: AnthropicChatModel;
  before(async () => {
    upstream = await FakeOpenAIUpstream.start('anthropic');
    model = new AnthropicChatModel({
      baseUrl: upstream.baseUrl,
      modelId: 'claude-fake',
      apiKey: API_KEY,
      timeouts: { headersTimeoutMs: 2_000, bodyTimeoutMs: 2_000 },
    });
  });
  after(() => upstream.close());

  test('sends the Messages API request: headers, system apart, max_tokens, stop sequences', async () => {
    upstream.reply({
      kind: 'json',
      body: anthropicMessage('Hi.', 'end_turn', { input_tokens: 9, output_tokens: 2 }),
    });
    const result = await model.doGenerate(
      [
        ...prompt,
        { role: 'assistant', content: 'Hm?' },
        { role: 'user', content: 'One' },
        { role: 'user', content: 'Two' },
      ],
      { maxOutputTokens: 100, temperature: 0.5, stop: ['END'] },
    );
    assert.deepEqual(result, {
      text: 'Hi.',
      finishReason: 'stop',
      usage: { inputTokens: 9, outputTokens: 2 },
    });
    const request = upstream.lastRequest();
    assert.equal(request.path, '/v1/messages');
    assert.equal(request.headers['x-api-key'], API_KEY);
    assert.equal(request.headers['anthropic-version'], ANTHROPIC_VERSION);
    assert.deepEqual(request.body, {
      model: 'claude-fake',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Hello?' },
        { role: 'assistant', content: 'Hm?' },
        { role: 'user', content: 'One\n\nTwo' },
      ],
      temperature: 0.5,
      stop_sequences: ['END'],
    });
    // max_tokens is required by the API: a default goes when the request sets none.
    await model.doGenerate(prompt, {});
    assert.equal((upstream.lastRequest().body as { max_tokens: number }).max_tokens, 4096);
  });

  test('streams text deltas and ends with the stop reason and usage from message_start and message_delta', async () => {
    upstream.reply({
      kind: 'stream',
      deltas: ['Hel', 'lo ', 'wörld'],
      finishReason: 'max_tokens',
      usage: { prompt_tokens: 12, completion_tokens: 3 },
    });
    assert.deepEqual(await collect(model.doStream(prompt, {})), [
      { type: 'text-delta', delta: 'Hel' },
      { type: 'text-delta', delta: 'lo ' },
      { type: 'text-delta', delta: 'wörld' },
      { type: 'finish', finishReason: 'length', usage: { inputTokens: 12, outputTokens: 3 } },
    ]);
    assert.equal((upstream.lastRequest().body as { stream: boolean }).stream, true);
  });

  test('reassembles events split mid-line and mid-character', async () => {
    const text = [
      anthropicFrame('message_start', {
        message: { ...anthropicMessage(''), content: [], usage: { input_tokens: 1, output_tokens: 1 } },
      }),
      anthropicFrame('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'né日本' } }),
      anthropicFrame('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } }),
      anthropicFrame('message_stop', {}),
    ].join('');
    const bytes = Buffer.from(text);
    const cuts = [bytes.indexOf('é') + 1, bytes.indexOf('日') + 2, bytes.indexOf('event: message_stop') + 3];
    const pieces: Buffer[] = [];
    let start = 0;
    for (const cut of cuts.sort((a, b) => a - b)) {
      pieces.push(bytes.subarray(start, cut));
      start = cut;
    }
    pieces.push(bytes.subarray(start));
    upstream.reply({ kind: 'raw-stream', pieces, intervalMs: 15 });
    const parts = await collect(model.doStream(prompt, {}));
    assert.deepEqual(parts[0], { type: 'text-delta', delta: 'né日本' });
    assert.deepEqual(parts.at(-1), {
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: 1, outputTokens: 2 },
    });
  });

  test('a reset, a stream without message_stop, and an overloaded_error event are errors', async () => {
    upstream.reply({ kind: 'stream', deltas: ['partial'], end: 'reset', intervalMs: 5 });
    await rejectsWith(collect(model.doStream(prompt, {})), (error) => assert.equal(error.kind, 'network'));
    upstream.reply({ kind: 'stream', deltas: ['cut'], end: 'no-done' });
    await rejectsWith(collect(model.doStream(prompt, {})), (error) => assert.equal(error.kind, 'network'));
    upstream.reply({
      kind: 'raw-stream',
      pieces: [
        anthropicFrame('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'so far' } }),
        anthropicFrame('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
      ],
    });
    await rejectsWith(collect(model.doStream(prompt, {})), (error) => {
      assert.equal(error.upstreamCode, 'overloaded_error');
      assert.equal(error.status, 529);
      assert.match(error.message, /Overloaded/);
    });
  });

  test('429 with retry-after, 529 overloaded, and 401 without the key', async () => {
    upstream.reply({
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '4' },
      body: { type: 'error', error: { type: 'rate_limit_error', message: 'Slow down' } },
    });
    await rejectsWith(model.doGenerate(prompt, {}), (error) => {
      assert.deepEqual(
        [error.status, error.retryAfterMs, error.upstreamCode],
        [429, 4_000, 'rate_limit_error'],
      );
      assert.equal(error.isRetryable, true);
    });
    upstream.reply({
      kind: 'json',
      status: 529,
      body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
    await rejectsWith(model.doGenerate(prompt, {}), (error) => assert.equal(error.status, 529));
    upstream.reply({
      kind: 'json',
      status: 401,
      body: {
        type: 'error',
        error: { type: 'authentication_error', message: `invalid x-api-key ${API_KEY}` },
      },
    });
    await rejectsWith(model.doGenerate(prompt, {}), (error) => assert.equal(error.status, 401));
  });

  test('aborting mid-stream closes the upstream connection', async () => {
    upstream.reply({ kind: 'stream', deltas: ['a', 'b', 'c'], end: 'hang', intervalMs: 5 });
    const controller = new AbortController();
    await rejectsWith(
      (async () => {
        for await (const part of model.doStream(prompt, { signal: controller.signal })) {
          if (part.type === 'text-delta') controller.abort();
        }
      })(),
      (error) => assert.equal(error.kind, 'aborted'),
    );
    const request = upstream.lastRequest();
    await request.settled;
    assert.equal(request.clientClosedEarly, true);
  });
});
