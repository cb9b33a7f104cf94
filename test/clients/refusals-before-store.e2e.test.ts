/**
 * What a provider refuses is refused before anything is stored: Anthropic's thinking with a forced
 * tool call, or with a conversation's own temperature, is a 400 naming the field and the provider,
 * and no conversation, question or answer is left behind — for a model of its own, and for a route
 * with an Anthropic fallback (every deployment a route could use is checked); a native message
 * whose stored history Anthropic cannot take leaves no question either. `/v1/chat/completions`
 * refuses before the stream starts.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { fromPublicId, toPublicId } from '../../src/http/openai/openai-ids.ts';
import { FakeOpenAIUpstream } from '../support/fake-openai-upstream.ts';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';

const TOOLS = [
  {
    type: 'function' as const,
    name: 'weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    strict: false,
  },
];
const FORCED_WITH_THINKING = {
  input: 'Weather in Oslo?',
  reasoning: { effort: 'high' as const },
  tools: TOOLS,
  tool_choice: { type: 'function' as const, name: 'weather' },
};

describe('provider refusals come before anything is stored', () => {
  let parley: ParleyWithUpstreams;
  let gpt: FakeOpenAIUpstream;
  let claude: FakeOpenAIUpstream;
  let dataDir: string;
  let client: OpenAI;
  let origin: string;

  const native = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${origin}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const conversationCount = async () => {
    const { body } = await native('GET', '/api/conversations?limit=100');
    return (body.data as unknown[]).length;
  };
  /** The 400 a call ends in, with its OpenAI error fields. */
  const refusal = async (call: Promise<unknown>) => {
    const error = await call.then(
      () => assert.fail('the call was not refused'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    return { message: error.message, param: error.param };
  };

  before(async () => {
    [gpt, claude] = await Promise.all([FakeOpenAIUpstream.start(), FakeOpenAIUpstream.start('anthropic')]);
    dataDir = await mkdtemp(join(tmpdir(), 'parley-refusals-'));
    const config = join(dataDir, 'parley.yaml');
    // The route's deployment is OpenAI-compatible (it would take the request); its fallback is Anthropic.
    await writeFile(
      config,
      [
        'deployments:',
        `  gpt: { provider: openai-compatible, model: gpt-first, base_url: "${gpt.baseUrl}", api_key: sk-r }`,
        `  claude: { provider: anthropic, model: claude-fallback, base_url: "${claude.baseUrl}", api_key: sk-ant-r }`,
        'routes:',
        '  thinker: { deployments: [gpt], fallbacks: [claude] }',
      ].join('\n'),
    );
    parley = await startParleyWithUpstreams({ PARLEY_CONFIG: config });
    client = new OpenAI({ baseURL: parley.v1, apiKey: 'unused', maxRetries: 0 });
    origin = parley.v1.replace(/\/v1$/, '');
  });
  after(async () => {
    await parley.close();
    await Promise.all([gpt.close(), claude.close()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  for (const model of ['claude-fake', 'thinker']) {
    test(`/v1/responses to ${model}: thinking with a forced tool_choice is a 400, and nothing is stored`, async () => {
      const conversations = await conversationCount();
      const upstreamCalls = parley.anthropic.requests.length + gpt.requests.length + claude.requests.length;
      const { message, param } = await refusal(client.responses.create({ model, ...FORCED_WITH_THINKING }));
      assert.equal(param, 'tool_choice');
      assert.match(message, /anthropic provider cannot think with a forced tool call/);
      assert.equal(await conversationCount(), conversations);
      assert.equal(
        parley.anthropic.requests.length + gpt.requests.length + claude.requests.length,
        upstreamCalls,
      );
    });
  }

  test('a background response refused the same way leaves no response behind', async () => {
    const conversations = await conversationCount();
    await refusal(
      client.responses.create({ model: 'claude-fake', background: true, ...FORCED_WITH_THINKING }),
    );
    assert.equal(await conversationCount(), conversations);
  });

  test("a conversation's stored temperature with thinking: a 400 naming temperature, no question stored", async () => {
    const created = await native('POST', '/api/conversations', { model: 'claude-fake', temperature: 0.5 });
    assert.equal(created.status, 201);
    const id = String(created.body.id);
    const { message, param } = await refusal(
      client.responses.create({
        model: 'claude-fake',
        conversation: toPublicId('conv_', id),
        input: 'Think about it.',
        reasoning: { effort: 'low' },
      }),
    );
    assert.equal(param, 'temperature');
    assert.match(message, /anthropic provider cannot think with a temperature other than 1/);
    const read = await native('GET', `/api/conversations/${id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.messages, []);
    const items = await client.conversations.items.list(toPublicId('conv_', id));
    assert.deepEqual(items.data, []);
  });

  test('a native message Anthropic would refuse for the stored history is a 400 before the question is stored', async () => {
    // A call whose arguments are not a JSON object: Anthropic's tool_use takes an object only.
    const conversation = await client.conversations.create({
      items: [
        { role: 'user', content: 'List the numbers.' },
        { type: 'function_call', call_id: 'call_n', name: 'numbers', arguments: '[1, 2]' },
        { type: 'function_call_output', call_id: 'call_n', output: '1, 2' },
      ],
    });
    const id = fromPublicId('conv_', conversation.id);
    assert.ok(id !== undefined);
    const before = await native('GET', `/api/conversations/${id}`);
    const upstreamCalls = parley.anthropic.requests.length;
    const posted = await native('POST', `/api/conversations/${id}/messages`, {
      content: 'And now?',
      model: 'claude-fake',
    });
    assert.equal(posted.status, 400);
    assert.match(
      JSON.stringify(posted.body),
      /anthropic provider takes a tool call's arguments as a JSON object/,
    );
    const after = await native('GET', `/api/conversations/${id}`);
    assert.deepEqual(after.body.messages, before.body.messages);
    assert.equal(parley.anthropic.requests.length, upstreamCalls);
  });

  test('/v1/chat/completions, streamed: refused with a 400 before the stream starts, no upstream call', async () => {
    const upstreamCalls = parley.anthropic.requests.length;
    const { param } = await refusal(
      client.chat.completions.create({
        model: 'claude-fake',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
        reasoning_effort: 'medium',
        top_p: 0.5,
      }),
    );
    assert.equal(param, 'top_p');
    assert.equal(parley.anthropic.requests.length, upstreamCalls);
  });
});
