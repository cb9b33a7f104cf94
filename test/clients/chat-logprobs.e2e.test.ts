/**
 * `logprobs` and `top_logprobs` on `/v1/chat/completions`, through the official `openai` SDK:
 * passed to an OpenAI-compatible upstream that sends them back (whole and streamed), carried as
 * the provider's typed tokens and returned in `choices[].logprobs`; refused by name for a
 * provider that declares no log probabilities.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';
import { completionWithLogprobs, HELLO, helloWorldStream, WORLD } from '../support/upstream-logprobs.ts';

describe('log probabilities on chat completions', () => {
  let parley: ParleyWithUpstreams;
  let client: OpenAI;
  const upstreamBody = () => parley.openai.lastRequest().body as Record<string, unknown>;

  before(async () => {
    parley = await startParleyWithUpstreams();
    client = new OpenAI({ baseURL: parley.v1, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => parley.close());

  test('whole: asked for, passed upstream, and returned as the upstream sent them', async () => {
    parley.openai.reply(completionWithLogprobs('Hello world', [HELLO, WORLD]));
    const answer = await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'greet' }],
      logprobs: true,
      top_logprobs: 2,
    });
    assert.equal(upstreamBody().logprobs, true);
    assert.equal(upstreamBody().top_logprobs, 2);
    assert.deepEqual(answer.choices[0]?.logprobs, { content: [HELLO, WORLD], refusal: null });

    await client.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(upstreamBody().logprobs, undefined);
    assert.equal(upstreamBody().top_logprobs, undefined);
  });

  test('streamed: each chunk carries the logprobs of its delta', async () => {
    parley.openai.reply(helloWorldStream);
    const stream = await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'greet' }],
      logprobs: true,
      top_logprobs: 2,
      stream: true,
    });
    const tokens: unknown[] = [];
    let text = '';
    for await (const chunk of stream) {
      const [choice] = chunk.choices;
      text += choice?.delta.content ?? '';
      tokens.push(...(choice?.logprobs?.content ?? []));
    }
    assert.equal(text, 'Hello world');
    assert.deepEqual(tokens, [HELLO, WORLD]);
    assert.equal(upstreamBody().logprobs, true);
  });

  test('a provider that gives no log probabilities refuses them by name; top_logprobs needs logprobs', async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: 'claude-fake',
        messages: [{ role: 'user', content: 'x' }],
        logprobs: true,
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.param, 'logprobs');
        assert.match(error.message, /'logprobs' is not supported by the provider 'anthropic'/);
        return true;
      },
    );
    const plain = await client.chat.completions.create({
      model: 'claude-fake',
      messages: [{ role: 'user', content: 'x' }],
      logprobs: false,
      top_logprobs: 0,
    });
    assert.equal(plain.choices[0]?.logprobs, null);
    await assert.rejects(
      client.chat.completions.create({
        model: 'fake-model',
        messages: [{ role: 'user', content: 'x' }],
        top_logprobs: 3,
      }),
      (error: unknown) => error instanceof OpenAI.BadRequestError && error.param === 'top_logprobs',
    );
  });
});
