/**
 * The OpenAI Agents SDK (`@openai/agents`) against Parley: `run` plain and streamed (it sends
 * `include: []` and `tools: []` on every request), a second turn by `previousResponseId`, a
 * conversation kept by `OpenAIConversationsSession` (Parley's `/v1/conversations`), and its error
 * classes carrying Parley's message.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  Agent,
  OpenAIConversationsSession,
  run,
  setDefaultOpenAIClient,
  setOpenAIAPI,
  setTracingDisabled,
} from '@openai/agents';
import OpenAI from 'openai';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';

interface UpstreamBody {
  readonly messages: { role: string; content: string }[];
}

describe('the OpenAI Agents SDK against Parley', () => {
  let parley: ParleyWithUpstreams;
  let client: OpenAI;
  /** What the SDK sent Parley's `/v1/responses`, newest last. */
  const sent: Record<string, unknown>[] = [];
  const upstreamMessages = () =>
    (parley.openai.lastRequest().body as UpstreamBody).messages.map((message) => [
      message.role,
      message.content,
    ]);
  const agent = (model = 'fake-model') => new Agent({ name: 'Assistant', instructions: 'Be brief.', model });

  before(async () => {
    parley = await startParleyWithUpstreams();
    client = new OpenAI({
      baseURL: parley.v1,
      apiKey: 'unused',
      maxRetries: 0,
      fetch: async (url, init) => {
        if (String(url).endsWith('/responses')) sent.push(JSON.parse(String(init?.body)));
        return fetch(url, init);
      },
    });
    setDefaultOpenAIClient(client);
    setOpenAIAPI('responses');
    setTracingDisabled(true);
  });
  after(() => parley.close());

  test('run, plain and streamed, with the fields the SDK sends by default', async () => {
    const result = await run(agent(), 'hello');
    assert.equal(result.finalOutput, 'echo: hello');
    const request = sent.at(-1);
    assert.deepEqual(request?.include, []);
    assert.deepEqual(request?.tools, []);
    assert.deepEqual(upstreamMessages(), [
      ['system', 'Be brief.'],
      ['user', 'hello'],
    ]);

    const streamed = await run(agent(), 'stream me', { stream: true });
    const pieces: string[] = [];
    for await (const piece of streamed.toTextStream()) pieces.push(piece);
    await streamed.completed;
    assert.equal(pieces.join(''), 'echo: stream me');
    assert.ok(pieces.length > 1, 'the answer arrives in pieces');
    assert.equal(streamed.finalOutput, 'echo: stream me');
  });

  test('a second turn by previousResponseId continues the stored conversation', async () => {
    const first = await run(agent(), 'my name is Ada');
    assert.match(first.lastResponseId ?? '', /^resp_/);
    const second = await run(agent(), 'what is my name?', { previousResponseId: first.lastResponseId ?? '' });
    assert.equal(second.finalOutput, 'echo: what is my name?');
    assert.deepEqual(upstreamMessages(), [
      ['system', 'Be brief.'],
      ['user', 'my name is Ada'],
      ['assistant', 'echo: my name is Ada'],
      ['user', 'what is my name?'],
    ]);
  });

  test('OpenAIConversationsSession keeps the conversation in Parley', async () => {
    const session = new OpenAIConversationsSession({ client });
    await run(agent(), 'first', { session });
    const second = await run(agent(), 'second', { session });
    assert.equal(second.finalOutput, 'echo: second');
    assert.deepEqual(upstreamMessages(), [
      ['system', 'Be brief.'],
      ['user', 'first'],
      ['assistant', 'echo: first'],
      ['user', 'second'],
    ]);
    const conversationId = await session.getSessionId();
    assert.match(conversationId, /^conv_/);
    const items = await session.getItems();
    assert.deepEqual(
      items.map((item) => ('role' in item ? item.role : item.type)),
      ['user', 'assistant', 'user', 'assistant'],
    );
  });

  test("errors come back as the SDK's error classes with Parley's message", async () => {
    parley.openai.reply({
      kind: 'json',
      status: 500,
      body: { error: { message: 'the upstream broke', type: 'server_error' } },
    });
    await assert.rejects(run(agent(), 'x'), (error: unknown) => {
      assert.ok(error instanceof OpenAI.InternalServerError);
      assert.match(error.message, /the upstream broke/);
      return true;
    });
    parley.openai.reply({
      kind: 'json',
      status: 429,
      body: { error: { message: 'slow down', type: 'rate_limit_error' } },
    });
    await assert.rejects(run(agent(), 'x'), OpenAI.RateLimitError);
    const verbose = new Agent({
      name: 'Talker',
      model: 'claude-fake',
      modelSettings: { text: { verbosity: 'high' } },
    });
    await assert.rejects(run(verbose, 'x'), (error: unknown) => {
      assert.ok(error instanceof OpenAI.BadRequestError);
      assert.equal(error.param, 'text.verbosity');
      assert.match(error.message, /'text.verbosity' is not supported by the provider 'anthropic'/);
      return true;
    });
  });
});
