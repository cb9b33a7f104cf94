import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chunkFrame, completion, FakeOpenAIUpstream } from '../../../test/support/fake-openai-upstream.ts';
import { ProviderError, type StreamPart } from '../spec.ts';
import { OpenAICompatibleChatModel } from './openai-compatible-chat-model.ts';

const API_KEY = 'sk-test-secret-0123456789';
const prompt = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hello?' },
] as const;

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

function textOf(parts: readonly StreamPart[]): string {
  return parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
}

async function rejectsWith(promise: Promise<unknown>, check: (error: ProviderError) => void): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    check(error);
    assert.ok(!error.message.includes(API_KEY), 'the message must not hold the key');
    return true;
  });
}

describe('OpenAICompatibleChatModel', () => {
  let upstream: FakeOpenAIUpstream;
  let model: OpenAICompatibleChatModel;

  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
    model = new OpenAICompatibleChatModel({
      baseUrl: `${upstream.baseUrl}/`,
      modelId: 'fake-model',
      apiKey: API_KEY,
      timeouts: { headersTimeoutMs: 2_000, bodyTimeoutMs: 2_000 },
    });
  });
  after(() => upstream.close());

  test('sends the documented request and reads a completion', async () => {
    upstream.reply({
      kind: 'json',
      body: completion('Hi there.', 'stop', { prompt_tokens: 9, completion_tokens: 3 }),
    });
    const result = await model.doGenerate(prompt, { maxOutputTokens: 50, temperature: 0.2, stop: ['\n\n'] });
    assert.deepEqual(result, {
      text: 'Hi there.',
      finishReason: 'stop',
      usage: { inputTokens: 9, outputTokens: 3 },
    });
    const request = upstream.requests.at(-1);
    assert.equal(request?.path, '/v1/chat/completions');
    assert.equal(request?.headers.authorization, `Bearer ${API_KEY}`);
    assert.deepEqual(request?.body, {
      model: 'fake-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello?' },
      ],
      max_tokens: 50,
      temperature: 0.2,
      stop: ['\n\n'],
    });
  });

  test('maps finish reasons, and a null content to empty text', async () => {
    const cutOff = completion('Once upon', 'length');
    upstream.reply({ kind: 'json', body: cutOff });
    assert.equal((await model.doGenerate(prompt, {})).finishReason, 'length');
    const filtered = completion('', 'content_filter') as { choices: { message: { content: unknown } }[] };
    const choice = filtered.choices[0];
    if (choice !== undefined) choice.message.content = null;
    upstream.reply({ kind: 'json', body: filtered });
    const result = await model.doGenerate(prompt, {});
    assert.equal(result.text, '');
    assert.equal(result.finishReason, 'content-filter');
  });

  test('streams deltas, asks for usage, and ends with the finish reason and usage', async () => {
    upstream.reply({
      kind: 'stream',
      deltas: ['Hel', 'lo', ' wörld'],
      usage: { prompt_tokens: 4, completion_tokens: 3 },
    });
    const parts = await collect(model.doStream(prompt, {}));
    assert.deepEqual(parts, [
      { type: 'text-delta', delta: 'Hel' },
      { type: 'text-delta', delta: 'lo' },
      { type: 'text-delta', delta: ' wörld' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 4, outputTokens: 3 } },
    ]);
    const body = upstream.requests.at(-1)?.body as Record<string, unknown>;
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
  });

  test('a finished stream leaves its keep-alive connection to the next request', async () => {
    await collect(model.doStream(prompt, {}));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const connectionsBefore = upstream.connections;
    // The response ends 30 ms after `[DONE]`: the reader stops at `[DONE]`, the rest is drained.
    upstream.reply({ kind: 'stream', deltas: ['slow'], intervalMs: 30 });
    assert.equal(textOf(await collect(model.doStream(prompt, {}))), 'slow');
    await upstream.requests.at(-1)?.settled;
    assert.equal(textOf(await collect(model.doStream(prompt, {}))), 'echo: Hello?');
    assert.equal(upstream.connections, connectionsBefore);
  });

  test('passes tools, tool choice and response format through, and reads tool calls back', async () => {
    const body = completion('', 'tool_calls') as { choices: { message: Record<string, unknown> }[] };
    const message = body.choices[0]?.message;
    if (message !== undefined) {
      message.content = null;
      message.tool_calls = [
        { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
      ];
    }
    upstream.reply({ kind: 'json', body });
    const result = await model.doGenerate(
      [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_0', name: 'time', arguments: '{}' }] },
        { role: 'tool', content: '12:00', toolCallId: 'call_0' },
      ],
      {
        tools: [{ name: 'weather', description: 'Weather by city', parameters: { type: 'object' } }],
        toolChoice: { name: 'weather' },
        responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true },
      },
    );
    assert.deepEqual(result.toolCalls, [{ id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' }]);
    assert.equal(result.finishReason, 'tool-calls');
    const sent = upstream.lastRequest().body as Record<string, unknown>;
    assert.deepEqual(sent.messages, [
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'time', arguments: '{}' } }],
      },
      { role: 'tool', content: '12:00', tool_call_id: 'call_0' },
    ]);
    assert.deepEqual(sent.tools, [
      {
        type: 'function',
        function: { name: 'weather', description: 'Weather by city', parameters: { type: 'object' } },
      },
    ]);
    assert.deepEqual(sent.tool_choice, { type: 'function', function: { name: 'weather' } });
    assert.deepEqual(sent.response_format, {
      type: 'json_schema',
      json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
    });
  });

  test('streams tool call pieces as they arrive', async () => {
    upstream.reply({
      kind: 'raw-stream',
      pieces: [
        chunkFrame({
          role: 'assistant',
          content: null,
          tool_calls: [
            { index: 0, id: 'call_9', type: 'function', function: { name: 'weather', arguments: '' } },
          ],
        }),
        chunkFrame({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
        chunkFrame({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] }, 'tool_calls'),
        'data: [DONE]\n\n',
      ],
    });
    const parts = await collect(model.doStream(prompt, { tools: [{ name: 'weather' }] }));
    assert.deepEqual(parts, [
      { type: 'tool-call-delta', index: 0, id: 'call_9', name: 'weather', argumentsDelta: '' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '"Oslo"}' },
      { type: 'finish', finishReason: 'tool-calls' },
    ]);
  });

  test('reads reasoning as DeepSeek and vLLM send it (reasoning_content) and as OpenRouter does (reasoning)', async () => {
    for (const field of ['reasoning_content', 'reasoning']) {
      upstream.reply({
        kind: 'raw-stream',
        intervalMs: 0,
        pieces: [
          chunkFrame({ role: 'assistant', content: null, [field]: 'Think ' }),
          chunkFrame({ [field]: 'twice.' }),
          chunkFrame({ content: 'Four.', [field]: null }),
          chunkFrame({}, 'stop'),
          'data: [DONE]\n\n',
        ],
      });
      const parts = await collect(model.doStream(prompt, { reasoning: { effort: 'high' } }));
      assert.deepEqual(
        parts.filter((part) => part.type !== 'finish'),
        [
          { type: 'reasoning-delta', delta: 'Think ' },
          { type: 'reasoning-delta', delta: 'twice.' },
          { type: 'text-delta', delta: 'Four.' },
        ],
        field,
      );
      assert.equal((upstream.lastRequest().body as { reasoning_effort?: string }).reasoning_effort, 'high');
      const body = completion('Four.') as { choices: { message: Record<string, unknown> }[] };
      Object.assign(body.choices[0]?.message ?? {}, { [field]: 'Think twice.' });
      upstream.reply({ kind: 'json', body });
      const result = await model.doGenerate(prompt, {});
      assert.deepEqual(result.reasoning, [{ text: 'Think twice.' }], field);
    }
  });

  test('reassembles events split mid-line and mid-character', async () => {
    const frames = Buffer.from(
      `${chunkFrame({ content: 'né' })}${chunkFrame({ content: '日本' }, 'stop')}data: [DONE]\n\n`,
    );
    // Cut inside "é" (2 bytes) and inside "日" (3 bytes), and between "data" and its colon.
    const cuts = [frames.indexOf('é') + 1, frames.indexOf('日') + 2, frames.lastIndexOf('data') + 2];
    const pieces: Buffer[] = [];
    let start = 0;
    for (const cut of cuts.sort((a, b) => a - b)) {
      pieces.push(frames.subarray(start, cut));
      start = cut;
    }
    pieces.push(frames.subarray(start));
    upstream.reply({ kind: 'raw-stream', pieces, intervalMs: 15 });
    const parts = await collect(model.doStream(prompt, {}));
    assert.equal(textOf(parts), 'né日本');
    assert.deepEqual(parts.at(-1), { type: 'finish', finishReason: 'stop' });
  });

  test('a connection reset mid-stream is a network error after the deltas that arrived', async () => {
    upstream.reply({ kind: 'stream', deltas: ['partial ', 'answer'], end: 'reset', intervalMs: 5 });
    const received: StreamPart[] = [];
    await rejectsWith(
      (async () => {
        for await (const part of model.doStream(prompt, {})) received.push(part);
      })(),
      (error) => {
        assert.equal(error.kind, 'network');
        assert.equal(error.isRetryable, true);
      },
    );
    assert.equal(textOf(received), 'partial answer');
  });

  test('a stream that ends with no [DONE] and no finish reason is an error, not a clean end', async () => {
    upstream.reply({
      kind: 'raw-stream',
      pieces: [chunkFrame({ content: 'cut' })],
      end: 'end',
    });
    await rejectsWith(collect(model.doStream(prompt, {})), (error) => assert.equal(error.kind, 'network'));
  });

  test('a stream with a finish reason but no [DONE] still finishes', async () => {
    upstream.reply({ kind: 'stream', deltas: ['whole'], end: 'no-done' });
    const parts = await collect(model.doStream(prompt, {}));
    assert.deepEqual(parts, [
      { type: 'text-delta', delta: 'whole' },
      { type: 'finish', finishReason: 'stop' },
    ]);
  });

  test('an error event inside the stream fails the stream with the upstream message', async () => {
    upstream.reply({
      kind: 'raw-stream',
      pieces: [
        chunkFrame({ content: 'so far' }),
        `data: ${JSON.stringify({ error: { message: 'model overloaded', type: 'server_error', code: 'overloaded' } })}\n\n`,
      ],
    });
    await rejectsWith(collect(model.doStream(prompt, {})), (error) => {
      assert.match(error.message, /model overloaded/);
      assert.equal(error.upstreamCode, 'overloaded');
    });
  });

  test('429 carries retry-after and the upstream code, never the key', async () => {
    upstream.reply({
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '7' },
      body: {
        error: {
          message: 'Rate limit reached for key sk-test-secret-0123456789',
          code: 'rate_limit_exceeded',
        },
      },
    });
    await rejectsWith(model.doGenerate(prompt, {}), (error) => {
      assert.equal(error.kind, 'http');
      assert.equal(error.status, 429);
      assert.equal(error.retryAfterMs, 7_000);
      assert.equal(error.upstreamCode, 'rate_limit_exceeded');
      assert.equal(error.isRetryable, true);
      assert.match(error.message, /Rate limit reached/);
    });
  });

  test('401 says the credentials were refused without echoing the masked key', async () => {
    upstream.reply({
      kind: 'json',
      status: 401,
      body: { error: { message: 'Incorrect API key provided: sk-test***6789.', code: 'invalid_api_key' } },
    });
    await rejectsWith(model.doStream(prompt, {})[Symbol.asyncIterator]().next(), (error) => {
      assert.equal(error.status, 401);
      assert.doesNotMatch(error.message, /sk-/);
      assert.equal(error.isRetryable, false);
    });
  });

  test('a 500 with an HTML body, and a 200 that is not JSON, are explicit errors', async () => {
    upstream.reply({ kind: 'text', status: 500, contentType: 'text/html', body: '<html>Bad gateway</html>' });
    await rejectsWith(model.doGenerate(prompt, {}), (error) => {
      assert.equal(error.status, 500);
      assert.equal(error.isRetryable, true);
    });
    upstream.reply({ kind: 'text', status: 200, contentType: 'text/html', body: '<html>login</html>' });
    await rejectsWith(model.doGenerate(prompt, {}), (error) => assert.equal(error.kind, 'invalid-response'));
    upstream.reply({ kind: 'json', body: { choices: [{ message: { content: 42 } }] } });
    await rejectsWith(model.doGenerate(prompt, {}), (error) => assert.equal(error.kind, 'invalid-response'));
    upstream.reply({ kind: 'text', status: 200, contentType: 'text/html', body: '<html>login</html>' });
    await rejectsWith(collect(model.doStream(prompt, {})), (error) =>
      assert.equal(error.kind, 'invalid-response'),
    );
  });

  test('an upstream that never answers times out', async () => {
    const impatient = new OpenAICompatibleChatModel({
      baseUrl: upstream.baseUrl,
      modelId: 'fake-model',
      timeouts: { headersTimeoutMs: 2_000, bodyTimeoutMs: 150 },
    });
    upstream.reply({ kind: 'stream', deltas: ['then silence'], end: 'hang' });
    await rejectsWith(collect(impatient.doStream(prompt, {})), (error) =>
      assert.equal(error.kind, 'timeout'),
    );
  });

  test('aborting the signal mid-stream closes the upstream connection at once', async () => {
    upstream.reply({ kind: 'stream', deltas: ['a', 'b', 'c'], end: 'hang' });
    const controller = new AbortController();
    const received: StreamPart[] = [];
    await rejectsWith(
      (async () => {
        for await (const part of model.doStream(prompt, { signal: controller.signal })) {
          received.push(part);
          if (received.length === 2) controller.abort();
        }
      })(),
      (error) => assert.equal(error.kind, 'aborted'),
    );
    const request = upstream.requests.at(-1);
    await request?.settled;
    assert.equal(request?.clientClosedEarly, true);
  });

  test('aborting before the answer starts rejects as aborted', async () => {
    upstream.reply({ kind: 'stream', deltas: [], end: 'hang' });
    const controller = new AbortController();
    controller.abort();
    await rejectsWith(model.doGenerate(prompt, { signal: controller.signal }), (error) =>
      assert.equal(error.kind, 'aborted'),
    );
  });

  test('a connection refused is a network error', async () => {
    const nowhere = new OpenAICompatibleChatModel({ baseUrl: 'http://127.0.0.1:1/v1', modelId: 'm' });
    await rejectsWith(nowhere.doGenerate(prompt, {}), (error) => {
      assert.equal(error.kind, 'network');
      assert.match(error.message, /ECONNREFUSED/);
    });
  });
});
