/**
 * `n` choices on `/v1/chat/completions`, through the official `openai` SDK (whole and streamed)
 * and LangChain's `ChatOpenAI({ n })`: each choice is its own upstream generation, merged as
 * choices 0..n-1 with the usage summed; above Parley's limit, a 400 naming `n`.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HumanMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { MAX_CHOICES } from '../../src/http/openai/chat-completions-choices.ts';
import { completion } from '../support/fake-openai-upstream.ts';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';

describe('n choices of a chat completion', () => {
  let parley: ParleyWithUpstreams;
  let client: OpenAI;
  const upstreamCalls = () => parley.openai.requests.filter((request) => request.method === 'POST').length;

  before(async () => {
    parley = await startParleyWithUpstreams();
    client = new OpenAI({ baseURL: parley.v1, apiKey: 'unused', maxRetries: 0 });
  });
  after(() => parley.close());

  test('whole: n upstream generations become choices 0..n-1, their usage summed, n never sent upstream', async () => {
    const before = upstreamCalls();
    parley.openai.reply(
      { kind: 'json', body: completion('one', 'stop', { prompt_tokens: 5, completion_tokens: 1 }) },
      { kind: 'json', body: completion('two', 'length', { prompt_tokens: 5, completion_tokens: 2 }) },
      { kind: 'json', body: completion('three', 'stop', { prompt_tokens: 5, completion_tokens: 3 }) },
    );
    const answer = await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'three ways' }],
      n: 3,
    });
    assert.equal(upstreamCalls() - before, 3);
    assert.equal((parley.openai.lastRequest().body as { n?: unknown }).n, undefined);
    assert.deepEqual(
      answer.choices.map((choice) => choice.index),
      [0, 1, 2],
    );
    const byText = new Map(answer.choices.map((choice) => [choice.message.content, choice.finish_reason]));
    assert.deepEqual(
      byText,
      new Map([
        ['one', 'stop'],
        ['two', 'length'],
        ['three', 'stop'],
      ]),
    );
    assert.deepEqual(answer.usage, { prompt_tokens: 15, completion_tokens: 6, total_tokens: 21 });
  });

  test('streamed: chunks carry their choice index, each choice finishes, one usage chunk at the end', async () => {
    parley.openai.reply(
      {
        kind: 'stream',
        deltas: ['a1 ', 'a2 ', 'a3'],
        intervalMs: 15,
        usage: { prompt_tokens: 4, completion_tokens: 3 },
      },
      {
        kind: 'stream',
        deltas: ['b1 ', 'b2'],
        intervalMs: 20,
        usage: { prompt_tokens: 4, completion_tokens: 2 },
      },
    );
    const stream = await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'two ways' }],
      n: 2,
      stream: true,
      stream_options: { include_usage: true },
    });
    const texts = ['', ''];
    const finishes: (string | null)[] = [null, null];
    const order: number[] = [];
    const usages: unknown[] = [];
    for await (const chunk of stream) {
      if (chunk.usage != null) usages.push(chunk.usage);
      for (const choice of chunk.choices) {
        texts[choice.index] += choice.delta.content ?? '';
        if (choice.delta.content) order.push(choice.index);
        if (choice.finish_reason !== null) finishes[choice.index] = choice.finish_reason;
      }
    }
    assert.deepEqual(texts.toSorted(), ['a1 a2 a3', 'b1 b2']);
    assert.deepEqual(finishes, ['stop', 'stop']);
    assert.deepEqual(usages, [{ prompt_tokens: 8, completion_tokens: 5, total_tokens: 13 }]);
    // The choices arrive side by side, not one after the other.
    assert.notDeepEqual(order, order.toSorted(), `interleaved: ${order.join(',')}`);
  });

  test('a client that stops reading stops every choice upstream', async () => {
    parley.openai.reply(
      { kind: 'stream', deltas: ['one ', 'more '], intervalMs: 20, end: 'hang' },
      { kind: 'stream', deltas: ['two ', 'more '], intervalMs: 20, end: 'hang' },
    );
    const before = parley.openai.requests.length;
    const stream = await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'hang' }],
      n: 2,
      stream: true,
    });
    const seen = new Set<number>();
    // Leaving the loop makes the SDK abort its request.
    for await (const chunk of stream) {
      for (const choice of chunk.choices) if (choice.delta.content) seen.add(choice.index);
      if (seen.size === 2) break;
    }
    const hanging = parley.openai.requests.slice(before);
    assert.equal(hanging.length, 2);
    await Promise.all(hanging.map((request) => request.settled));
    assert.deepEqual(
      hanging.map((request) => request.clientClosedEarly),
      [true, true],
    );
  });

  test('a choice that fails mid-stream fails the stream and stops the other choices upstream', async () => {
    parley.openai.reply(
      // One choice goes silent (no delta would wake its reader), the other fails.
      { kind: 'stream', deltas: ['silent '], intervalMs: 5, end: 'hang' },
      { kind: 'stream', deltas: ['cut '], intervalMs: 40, end: 'reset' },
    );
    const before = parley.openai.requests.length;
    const stream = await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'x' }],
      n: 2,
      stream: true,
    });
    await assert.rejects(async () => {
      for await (const _chunk of stream);
    }, OpenAI.APIError);
    const requests = parley.openai.requests.slice(before);
    await Promise.all(requests.map((request) => request.settled));
    assert.ok(requests.every((request) => request.clientClosedEarly));
  });

  test('a choice that fails fails the request; n above the limit is a 400 naming n', async () => {
    parley.openai.reply(
      { kind: 'json', body: completion('fine') },
      { kind: 'json', status: 500, body: { error: { message: 'the upstream broke', type: 'server_error' } } },
    );
    await assert.rejects(
      client.chat.completions.create({
        model: 'fake-model',
        messages: [{ role: 'user', content: 'x' }],
        n: 2,
      }),
      OpenAI.APIError,
    );
    await assert.rejects(
      client.chat.completions.create({
        model: 'fake-model',
        messages: [{ role: 'user', content: 'x' }],
        n: MAX_CHOICES + 1,
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.param, 'n');
        assert.match(error.message, new RegExp(`at most ${MAX_CHOICES} choices`));
        return true;
      },
    );
  });

  test("LangChain's ChatOpenAI with n gets n generations", async () => {
    const model = new ChatOpenAI({
      model: 'fake-model',
      apiKey: 'unused',
      configuration: { baseURL: parley.v1 },
      n: 2,
      maxRetries: 0,
    });
    const result = await model.generate([[new HumanMessage('twice')]]);
    assert.deepEqual(
      result.generations[0]?.map((generation) => generation.text),
      ['echo: twice', 'echo: twice'],
    );
  });
});
