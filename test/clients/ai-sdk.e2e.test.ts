/**
 * The Vercel AI SDK (`ai` + `@ai-sdk/openai`) against Parley, as its users call it: the default
 * model (the Responses API) and `.chat()` (chat completions), plain and streamed, a chat carried
 * on by message history (the SDK refers to stored answers by item reference), structured output,
 * and the SDK's own error class carrying Parley's message.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, type ModelMessage, Output, streamText } from 'ai';
import { z } from 'zod';
import { completion } from '../support/fake-openai-upstream.ts';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';

interface UpstreamBody {
  readonly messages: { role: string; content: string }[];
  readonly [field: string]: unknown;
}

describe('the AI SDK (ai + @ai-sdk/openai) against Parley', () => {
  let parley: ParleyWithUpstreams;
  let openai: ReturnType<typeof createOpenAI>;
  /** What the SDK sent Parley, newest last. */
  const sent: { url: string; body: Record<string, unknown> }[] = [];
  const upstreamBody = () => parley.openai.lastRequest().body as UpstreamBody;

  before(async () => {
    parley = await startParleyWithUpstreams();
    openai = createOpenAI({
      baseURL: parley.v1,
      apiKey: 'unused',
      fetch: (url, init) => {
        sent.push({ url: String(url), body: JSON.parse(String(init?.body ?? '{}')) });
        return fetch(url, init);
      },
    });
  });
  after(() => parley.close());

  test('generateText and streamText on the default model (the Responses API)', async () => {
    const generated = await generateText({
      model: openai('fake-model'),
      prompt: 'hello there',
      maxRetries: 0,
    });
    assert.equal(generated.text, 'echo: hello there');
    assert.equal(generated.finishReason, 'stop');
    assert.equal(generated.usage.outputTokens, 7);
    assert.match(generated.response.id, /^resp_/);

    const streamed = streamText({ model: openai('fake-model'), prompt: 'stream me', maxRetries: 0 });
    const pieces: string[] = [];
    for await (const piece of streamed.textStream) pieces.push(piece);
    assert.equal(pieces.join(''), 'echo: stream me');
    assert.ok(pieces.length > 1, 'the answer arrives in pieces');
    assert.equal(await streamed.finishReason, 'stop');
  });

  test('generateText and streamText on .chat() (chat completions)', async () => {
    const generated = await generateText({
      model: openai.chat('fake-model'),
      system: 'Be brief.',
      prompt: 'hi',
      temperature: 0.3,
      seed: 11,
      maxRetries: 0,
    });
    assert.equal(generated.text, 'echo: hi');
    const sent = upstreamBody();
    assert.equal(sent.temperature, 0.3);
    assert.equal(sent.seed, 11);
    assert.deepEqual(sent.messages[0], { role: 'system', content: 'Be brief.' });

    const streamed = streamText({ model: openai.chat('fake-model'), prompt: 'stream me', maxRetries: 0 });
    assert.equal(await streamed.text, 'echo: stream me');
    assert.equal((await streamed.usage).outputTokens, 3);
  });

  test('a chat carried on by message history: stored answers are sent back as item references', async () => {
    const model = openai('fake-model');
    const history: ModelMessage[] = [{ role: 'user', content: 'first question' }];
    const first = await generateText({ model, messages: history, maxRetries: 0 });
    history.push(...first.response.messages, { role: 'user', content: 'second question' });
    const second = await generateText({ model, messages: history, maxRetries: 0 });
    assert.equal(second.text, 'echo: second question');
    const input = sent.at(-1)?.body.input as { type?: string; id?: string }[];
    assert.equal(input[1]?.type, 'item_reference', 'the SDK refers to the stored answer');
    assert.equal(input[1]?.id, `msg_${first.response.id.slice('resp_'.length)}`);
    assert.deepEqual(
      upstreamBody().messages.map((message) => [message.role, message.content]),
      [
        ['user', 'first question'],
        ['assistant', 'echo: first question'],
        ['user', 'second question'],
      ],
    );
    // A third turn refers to both earlier answers.
    history.push(...second.response.messages, { role: 'user', content: 'third' });
    const third = streamText({ model, messages: history, maxRetries: 0 });
    assert.equal(await third.text, 'echo: third');
    assert.equal(upstreamBody().messages.length, 5);
  });

  test('structured output: a JSON schema reaches the upstream and the object comes back', async () => {
    const schema = z.object({ city: z.string(), population: z.number() });
    for (const model of [openai('fake-model'), openai.chat('fake-model')]) {
      parley.openai.reply({ kind: 'json', body: completion('{"city":"Oslo","population":700000}') });
      const result = await generateText({
        model,
        prompt: 'the capital of Norway',
        output: Output.object({ schema }),
        maxRetries: 0,
      });
      assert.deepEqual(result.output, { city: 'Oslo', population: 700000 });
      const format = upstreamBody().response_format as { type: string; json_schema: { strict: boolean } };
      assert.equal(format.type, 'json_schema');
      assert.equal(format.json_schema.strict, true);
    }
  });

  test('image input on both models: a URL passed on, bytes sent inline', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUg==', 'base64');
    for (const model of [openai('fake-model'), openai.chat('fake-model')]) {
      const result = await generateText({
        model,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what are these?' },
              { type: 'image', image: new URL('https://example.com/cat.png') },
              { type: 'image', image: new Uint8Array(png), mediaType: 'image/png' },
            ],
          },
        ],
        maxRetries: 0,
      });
      assert.equal(result.text, 'echo: what are these?');
      const content = upstreamBody().messages.at(-1)?.content as unknown as {
        type: string;
        image_url?: { url: string };
      }[];
      assert.deepEqual(
        content.map((part) => part.image_url?.url ?? part.type),
        ['text', 'https://example.com/cat.png', `data:image/png;base64,${png.toString('base64')}`],
      );
    }
  });

  test("errors come back as the SDK's APICallError with Parley's message", async () => {
    parley.openai.reply({
      kind: 'json',
      status: 500,
      body: { error: { message: 'the upstream broke', type: 'server_error' } },
    });
    await assert.rejects(
      generateText({ model: openai('fake-model'), prompt: 'x', maxRetries: 0 }),
      (error: unknown) => {
        assert.ok(APICallError.isInstance(error));
        assert.equal(error.statusCode, 502);
        assert.match(error.message, /the upstream broke/);
        return true;
      },
    );
    parley.openai.reply({
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '1' },
      body: { error: { message: 'slow down', type: 'rate_limit_error' } },
    });
    await assert.rejects(
      generateText({ model: openai.chat('fake-model'), prompt: 'x', maxRetries: 0 }),
      (error: unknown) => {
        assert.ok(APICallError.isInstance(error));
        assert.equal(error.statusCode, 429);
        assert.equal(error.isRetryable, true);
        return true;
      },
    );
    await assert.rejects(
      generateText({ model: openai.chat('claude-fake'), prompt: 'x', seed: 3, maxRetries: 0 }),
      (error: unknown) => {
        assert.ok(APICallError.isInstance(error));
        assert.equal(error.statusCode, 400);
        assert.match(error.message, /'seed' is not supported by the provider 'anthropic'/);
        return true;
      },
    );
  });
});
