/**
 * Participant names (`messages[i].name` on /v1/chat/completions) as the `openai` SDK and
 * LangChain's `ChatOpenAI` send them: carried to an OpenAI-compatible upstream, refused by name
 * for a provider that cannot take them; a tool message's name (LangChain's tools set it) is
 * accepted everywhere.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import OpenAI from 'openai';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';

interface UpstreamMessage {
  readonly role: string;
  readonly name?: string;
  readonly content?: unknown;
}

describe('participant names on /v1/chat/completions', () => {
  let parley: ParleyWithUpstreams;
  let client: OpenAI;
  const upstreamMessages = (upstream = parley.openai) =>
    (upstream.lastRequest().body as { messages: UpstreamMessage[] }).messages;

  before(async () => {
    parley = await startParleyWithUpstreams();
    client = new OpenAI({ apiKey: 'unused', baseURL: parley.v1, maxRetries: 0 });
  });
  after(() => parley.close());
  const chatOpenAI = (model: string) =>
    new ChatOpenAI({ model, apiKey: 'unused', configuration: { baseURL: parley.v1 }, maxRetries: 0 });

  const history: OpenAI.Chat.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'Referee the chat.', name: 'rules' },
    { role: 'user', content: 'I say heads.', name: 'alice' },
    { role: 'assistant', content: 'Noted.', name: 'referee' },
    { role: 'user', content: 'I say tails.', name: 'bob' },
  ];

  test('the openai SDK: every name reaches an OpenAI-compatible upstream', async () => {
    const answer = await client.chat.completions.create({ model: 'fake-model', messages: history });
    assert.equal(answer.choices[0]?.message.content, 'echo: I say tails.');
    assert.deepEqual(
      upstreamMessages().map(({ role, name }) => ({ role, name })),
      [
        { role: 'system', name: 'rules' },
        { role: 'user', name: 'alice' },
        { role: 'assistant', name: 'referee' },
        { role: 'user', name: 'bob' },
      ],
    );
  });

  test("LangChain's HumanMessage with a name: the upstream gets it", async () => {
    const model = chatOpenAI('fake-model');
    const answer = await model.invoke([
      new SystemMessage('Be brief.'),
      new HumanMessage({ content: 'hello from carol', name: 'carol' }),
    ]);
    assert.equal(answer.text, 'echo: hello from carol');
    const [system, user] = upstreamMessages();
    assert.equal(system?.name, undefined, 'a message without a name gets none');
    assert.deepEqual(user, { role: 'user', content: 'hello from carol', name: 'carol' });
  });

  test("a provider that cannot take names refuses them by name, in the client's error class", async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'claude-fake', messages: history }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.param, 'messages[0].name');
        assert.match(error.message, /'messages\[0\]\.name' is not supported by the provider 'anthropic'/);
        return true;
      },
    );
    const requestsBefore = parley.anthropic.requests.length;
    const langchain = chatOpenAI('claude-fake');
    await assert.rejects(
      langchain.invoke([new HumanMessage({ content: 'hi', name: 'carol' })]),
      /'messages\[0\]\.name' is not supported by the provider 'anthropic'/,
    );
    assert.equal(parley.anthropic.requests.length, requestsBefore, 'nothing was sent upstream');
  });

  test("a tool message's name (the function's, as LangChain sends it) is accepted by every provider", async () => {
    const messages = [
      new HumanMessage('roll a die'),
      new AIMessage({ content: '', tool_calls: [{ id: 'call_1', name: 'roll', args: {} }] }),
      new ToolMessage({ content: '4', tool_call_id: 'call_1', name: 'roll' }),
    ];
    const tools = [{ type: 'function' as const, function: { name: 'roll', parameters: { type: 'object' } } }];
    for (const [model, upstream] of [
      ['fake-model', parley.openai],
      ['claude-fake', parley.anthropic],
    ] as const) {
      const chat = chatOpenAI(model).bindTools(tools);
      const requestsBefore = upstream.requests.length;
      await chat.invoke(messages);
      assert.equal(upstream.requests.length, requestsBefore + 1, model);
    }
    // It repeats the call's name, which the upstream already has: it is not sent on.
    const sent = upstreamMessages(parley.openai).at(-1);
    assert.deepEqual(sent, { role: 'tool', content: '4', tool_call_id: 'call_1' });
  });
});
