/**
 * Pictures count in the context window (issue 15): a conversation whose images outgrow a small
 * window, driven through the `openai` SDK on /v1/responses, has its oldest messages left out
 * (`truncation: 'auto'`) or is refused with `context_length_exceeded` naming what it needs
 * (`'disabled'`), where images once counted as nothing. Each provider's documented rule decides:
 * the same pictures weigh more on Anthropic than on OpenAI.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { pngOf } from '../support/media-bytes.ts';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';

interface UpstreamBody {
  readonly messages: { role: string; content: string | { type: string; text?: string }[] }[];
}

/** 1024×1024: 765 tokens on OpenAI (four tiles), 1,399 on Anthropic (width × height / 750). */
const PICTURE = `data:image/png;base64,${pngOf(1024, 1024).toString('base64')}`;
/** 3,000 tokens of window, 1,024 of them kept for the answer: room for two such pictures on OpenAI. */
const WINDOW = '3000';

const question = (text: string) => [
  {
    role: 'user' as const,
    content: [
      { type: 'input_text' as const, text },
      { type: 'input_image' as const, image_url: PICTURE, detail: 'high' as const },
    ],
  },
];

describe('images in the context window', () => {
  let parley: ParleyWithUpstreams;
  let client: OpenAI;

  before(async () => {
    parley = await startParleyWithUpstreams({
      PARLEY_AUTO_TITLES: 'false',
      PARLEY_MAX_CONTEXT_TOKENS: WINDOW,
    });
    client = new OpenAI({ apiKey: 'unused', baseURL: parley.v1, maxRetries: 0 });
  });
  after(() => parley.close());

  /** The texts of the user messages the upstream received last. */
  const sentQuestions = (upstream: ParleyWithUpstreams['openai']) =>
    (upstream.lastRequest().body as UpstreamBody).messages
      .filter((message) => message.role === 'user')
      .map((message) =>
        typeof message.content === 'string'
          ? message.content
          : message.content.map((part) => part.text ?? `[${part.type}]`).join(' '),
      );

  test('a third picture leaves the oldest question out, or is refused with truncation disabled', async () => {
    const first = await client.responses.create({ model: 'fake-model', input: question('first') });
    const second = await client.responses.create({
      model: 'fake-model',
      input: question('second'),
      previous_response_id: first.id,
    });
    assert.deepEqual(sentQuestions(parley.openai), ['first [image_url]', 'second [image_url]'], 'two fit');

    const refused = await client.responses
      .create({
        model: 'fake-model',
        input: question('third'),
        previous_response_id: second.id,
        truncation: 'disabled',
      })
      .then(
        () => assert.fail('a prompt the window cannot hold was sent'),
        (error: unknown) => error,
      );
    assert.ok(refused instanceof OpenAI.BadRequestError, String(refused));
    assert.equal(refused.code, 'context_length_exceeded');
    assert.equal(refused.param, 'input');
    // Three pictures (3 × 765) and their words: more than the 1,976 tokens left beside the answer.
    const needed = Number(/needs about (\d+) tokens/.exec(refused.message)?.[1]);
    assert.ok(needed > 3 * 765 && needed < 3 * 765 + 100, refused.message);
    assert.match(refused.message, /window of 3000 tokens/);

    const third = await client.responses.create({
      model: 'fake-model',
      input: question('third'),
      previous_response_id: second.id,
    });
    assert.equal(third.truncation, 'auto');
    assert.deepEqual(sentQuestions(parley.openai), ['second [image_url]', 'third [image_url]']);
  });

  test("Anthropic's rule weighs the same pictures more: two no longer fit", async () => {
    const first = await client.responses.create({ model: 'claude-fake', input: question('first') });
    const refused = await client.responses
      .create({
        model: 'claude-fake',
        input: question('second'),
        previous_response_id: first.id,
        truncation: 'disabled',
      })
      .then(
        () => assert.fail('two 1,399-token pictures were planned into 1,976 tokens'),
        (error: unknown) => error,
      );
    assert.ok(refused instanceof OpenAI.BadRequestError, String(refused));
    assert.equal(refused.code, 'context_length_exceeded');

    await client.responses.create({
      model: 'claude-fake',
      input: question('second'),
      previous_response_id: first.id,
    });
    const sent = parley.anthropic.lastRequest().body as { messages: { role: string; content: unknown }[] };
    const questions = sent.messages
      .filter((message) => message.role === 'user')
      .map((message) => JSON.stringify(message.content));
    assert.ok(!questions.some((content) => content.includes('"first"')), 'the first question was left out');
    assert.equal(JSON.stringify(sent.messages).split('"type":"image"').length - 1, 1, 'one picture went');
    assert.match(questions.at(-1) ?? '', /"second"/);
  });
});
