/**
 * LangChain's `ChatOpenAI` (`@langchain/openai`) against Parley, on chat completions and with
 * `useResponsesApi` (which sends `text: {}` and the rest of its defaults on every call): invoke,
 * stream, structured output, and its errors carrying Parley's message.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AIMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';
import { completion } from '../support/fake-openai-upstream.ts';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';

interface UpstreamBody {
  readonly messages: { role: string; content: string }[];
  readonly [field: string]: unknown;
}

describe("LangChain's ChatOpenAI against Parley", () => {
  let parley: ParleyWithUpstreams;
  const upstreamBody = () => parley.openai.lastRequest().body as UpstreamBody;
  const chatModel = (useResponsesApi: boolean, model = 'fake-model') =>
    new ChatOpenAI({
      model,
      apiKey: 'unused',
      configuration: { baseURL: parley.v1 },
      useResponsesApi,
      maxRetries: 0,
    });

  before(async () => {
    parley = await startParleyWithUpstreams();
  });
  after(() => parley.close());

  for (const useResponsesApi of [false, true]) {
    const api = useResponsesApi ? 'the Responses API' : 'chat completions';

    test(`invoke and stream on ${api}`, async () => {
      const model = chatModel(useResponsesApi);
      const answer = await model.invoke([new SystemMessage('Be brief.'), new HumanMessage('hello')]);
      assert.equal(answer.text, 'echo: hello');
      // LangChain's message types narrow usage_metadata to never here: read it as plain data.
      const usage: unknown = answer.usage_metadata;
      assert.equal((usage as { output_tokens?: number } | undefined)?.output_tokens, 7);
      assert.deepEqual(upstreamBody().messages[0], { role: 'system', content: 'Be brief.' });

      const pieces: string[] = [];
      for await (const chunk of await model.stream('stream me')) pieces.push(chunk.text);
      assert.equal(pieces.join(''), 'echo: stream me');
      assert.ok(pieces.filter((piece) => piece !== '').length > 1, 'the answer arrives in pieces');
    });

    test(`a history of messages and structured output on ${api}`, async () => {
      const model = chatModel(useResponsesApi);
      const answer = await model.invoke([
        new HumanMessage('first'),
        new AIMessage('echo: first'),
        new HumanMessage('second'),
      ]);
      assert.equal(answer.text, 'echo: second');
      assert.equal(upstreamBody().messages.length, 3);

      parley.openai.reply({ kind: 'json', body: completion('{"city":"Oslo"}') });
      const structured = model.withStructuredOutput(z.object({ city: z.string() }), { name: 'city' });
      assert.deepEqual(await structured.invoke('the capital of Norway'), { city: 'Oslo' });
      const format = upstreamBody().response_format as { type: string; json_schema: { name: string } };
      assert.equal(format.type, 'json_schema');
      assert.equal(format.json_schema.name, 'city');
    });

    test(`errors on ${api} carry Parley's status and message`, async () => {
      parley.openai.reply({
        kind: 'json',
        status: 500,
        body: { error: { message: 'the upstream broke', type: 'server_error' } },
      });
      await assert.rejects(chatModel(useResponsesApi).invoke('x'), (error: unknown) => {
        // LangChain rethrows the errors of its own copy of the openai SDK.
        assert.equal(error?.constructor.name, 'InternalServerError');
        assert.ok(error instanceof Error);
        assert.equal((error as { status?: number }).status, 502);
        assert.match(error.message, /the upstream broke/);
        return true;
      });
      parley.openai.reply({
        kind: 'json',
        status: 429,
        body: { error: { message: 'slow down', type: 'rate_limit_error' } },
      });
      await assert.rejects(chatModel(useResponsesApi).invoke('x'), (error: unknown) => {
        assert.equal(error?.constructor.name, 'RateLimitError');
        assert.equal((error as { status?: number }).status, 429);
        assert.equal((error as { lc_error_code?: string }).lc_error_code, 'MODEL_RATE_LIMIT');
        return true;
      });
      const refused = new ChatOpenAI({
        model: 'claude-fake',
        apiKey: 'unused',
        configuration: { baseURL: parley.v1 },
        useResponsesApi,
        maxRetries: 0,
        modelKwargs: useResponsesApi ? { text: { verbosity: 'high' } } : { seed: 5 },
      });
      await assert.rejects(refused.invoke('x'), (error: unknown) => {
        assert.equal(error?.constructor.name, 'BadRequestError');
        assert.ok(error instanceof Error);
        assert.equal((error as { status?: number }).status, 400);
        assert.match(error.message, /is not supported by the provider 'anthropic'/);
        return true;
      });
    });
  }
});
