/**
 * `include: ["message.output_text.logprobs"]` and `top_logprobs` on `/v1/responses`, through the
 * official `openai` SDK: passed to an OpenAI-compatible upstream that sends log probabilities,
 * returned on the `output_text` part (whole) and on the text events (streamed) in OpenAI's shapes,
 * not stored (a later retrieve reports none), and refused by name for a provider that gives none.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';
import {
  chunkWithLogprobs,
  completionWithLogprobs,
  HELLO,
  helloWorldStream,
  type UpstreamToken,
  WORLD,
} from '../support/upstream-logprobs.ts';

/** A token as a text event carries it: no bytes. */
const asEventToken = ({ token, logprob, top_logprobs }: UpstreamToken) => ({
  token,
  logprob,
  top_logprobs: top_logprobs.map((alternative) => ({
    token: alternative.token,
    logprob: alternative.logprob,
  })),
});

const LOGPROBS = ['message.output_text.logprobs' as const];

describe('log probabilities on responses', () => {
  let parley: ParleyWithUpstreams;
  let client: OpenAI;
  const upstreamBody = () => parley.openai.lastRequest().body as Record<string, unknown>;
  const outputText = (response: OpenAI.Responses.Response) => {
    const message = response.output.find((item) => item.type === 'message');
    const part = message?.type === 'message' ? message.content[0] : undefined;
    assert.ok(part?.type === 'output_text', JSON.stringify(response.output));
    return part;
  };

  before(async () => {
    parley = await startParleyWithUpstreams();
    client = new OpenAI({ baseURL: parley.v1, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => parley.close());

  test('whole: passed upstream, returned on the output_text part, not kept by the stored answer', async () => {
    parley.openai.reply(completionWithLogprobs('Hello world', [HELLO, WORLD]));
    const response = await client.responses.create({
      input: 'greet',
      include: LOGPROBS,
      top_logprobs: 2,
    });
    assert.equal(upstreamBody().logprobs, true);
    assert.equal(upstreamBody().top_logprobs, 2);
    assert.equal(response.top_logprobs, 2);
    assert.equal(response.output_text, 'Hello world');
    assert.deepEqual(outputText(response).logprobs, [HELLO, WORLD]);

    const stored = await client.responses.retrieve(response.id);
    assert.equal(stored.output_text, 'Hello world');
    assert.deepEqual(outputText(stored).logprobs, []);

    const plain = await client.responses.create({ input: 'x' });
    assert.equal(upstreamBody().logprobs, undefined);
    assert.equal(upstreamBody().top_logprobs, undefined);
    assert.deepEqual(outputText(plain).logprobs, []);
  });

  test('top_logprobs alone asks for them too; include alone asks for no alternatives', async () => {
    parley.openai.reply(completionWithLogprobs('Hello world', [HELLO, WORLD]));
    await client.responses.create({ input: 'greet', top_logprobs: 2, store: false });
    assert.equal(upstreamBody().logprobs, true);
    assert.equal(upstreamBody().top_logprobs, 2);

    const bare = { ...HELLO, top_logprobs: [] };
    parley.openai.reply(completionWithLogprobs('Hello', [bare]));
    const response = await client.responses.create({ input: 'greet', include: LOGPROBS, store: false });
    assert.equal(upstreamBody().logprobs, true);
    assert.equal(upstreamBody().top_logprobs, undefined);
    assert.deepEqual(outputText(response).logprobs, [bare]);
  });

  test('streamed: each output_text.delta carries its tokens, the done events and the response all of them', async () => {
    parley.openai.reply(helloWorldStream);
    const stream = await client.responses.create({
      input: 'greet',
      include: LOGPROBS,
      top_logprobs: 2,
      stream: true,
    });
    const deltas: unknown[] = [];
    let done: unknown[] | undefined;
    let part: unknown;
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') deltas.push(event.logprobs);
      if (event.type === 'response.output_text.done') done = event.logprobs;
      if (event.type === 'response.content_part.done') part = event.part;
      if (event.type === 'response.completed') completed = event.response;
    }
    assert.deepEqual(deltas, [[asEventToken(HELLO)], [asEventToken(WORLD)]]);
    assert.deepEqual(done, [asEventToken(HELLO), asEventToken(WORLD)]);
    assert.deepEqual(part, {
      type: 'output_text',
      text: 'Hello world',
      annotations: [],
      logprobs: [HELLO, WORLD],
    });
    assert.ok(completed !== undefined);
    assert.deepEqual(outputText(completed).logprobs, [HELLO, WORLD]);
    assert.equal(upstreamBody().logprobs, true);
  });

  test('background: streamed, they come with the events; not streamed, they would be lost, so refused', async () => {
    parley.openai.reply(helloWorldStream);
    const stream = await client.responses.create({
      input: 'greet',
      include: LOGPROBS,
      background: true,
      stream: true,
    });
    const deltas: unknown[] = [];
    for await (const event of stream)
      if (event.type === 'response.output_text.delta') deltas.push(...event.logprobs);
    assert.deepEqual(deltas, [asEventToken(HELLO), asEventToken(WORLD)]);

    await assert.rejects(
      client.responses.create({ input: 'greet', include: LOGPROBS, background: true }),
      (error) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.param, 'include[0]');
        assert.match(error.message, /log probabilities are not stored/);
        return true;
      },
    );
  });

  test('a stream cut short still reports the tokens that came', async () => {
    parley.openai.reply({ kind: 'raw-stream', pieces: [chunkWithLogprobs('Hello', [HELLO])], end: 'reset' });
    const stream = await client.responses.create({ input: 'greet', include: LOGPROBS, stream: true });
    let failed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) if (event.type === 'response.failed') failed = event.response;
    assert.ok(failed !== undefined);
    assert.equal(failed.status, 'failed');
    assert.equal(outputText(failed).text, 'Hello');
    assert.deepEqual(outputText(failed).logprobs, [HELLO]);
  });

  test('a provider that gives no log probabilities refuses them by name', async () => {
    const cases: [OpenAI.Responses.ResponseCreateParamsNonStreaming, string][] = [
      [{ include: ['reasoning.encrypted_content', ...LOGPROBS] }, 'include[1]'],
      [{ top_logprobs: 3 }, 'top_logprobs'],
    ];
    for (const [fields, param] of cases) {
      await assert.rejects(
        client.responses.create({ model: 'claude-fake', input: 'x', ...fields }),
        (error) => {
          assert.ok(error instanceof OpenAI.BadRequestError);
          assert.equal(error.param, param);
          assert.match(error.message, /is not supported by the provider 'anthropic'.*log probabilities/);
          return true;
        },
      );
    }
    const plain = await client.responses.create({ model: 'claude-fake', input: 'x', top_logprobs: 0 });
    assert.equal(plain.top_logprobs, 0);
    assert.deepEqual(outputText(plain).logprobs, []);
  });
});
