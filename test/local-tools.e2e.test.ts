/**
 * Function tools served by the `local` provider, driven by the official `openai` SDK: Parley
 * listens with a config file whose route leads to a local deployment running the tiny GGUF model
 * with a tools chat template (real llama.cpp inference; see test/support/tiny-gguf.ts). Asked for a
 * call, the model calls the function with arguments its schema accepts; given the result, it
 * answers in text. A model whose template has no call syntax refuses tools with a 400.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { loadConfig } from '../src/config/config.ts';
import { disposeLocalEngines } from '../src/providers/local/local-engine.ts';
import { createModelRegistry } from '../src/providers/registry.ts';
import { buildTestApp } from './support/test-app.ts';
import { TINY_ANSWER, TINY_TOOL_WORD, writeTinyGguf } from './support/tiny-gguf.ts';

const WEATHER_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
};
const WEATHER_TOOL: OpenAI.Chat.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'The weather in a city', parameters: WEATHER_SCHEMA },
};
const QUESTION: OpenAI.Chat.ChatCompletionMessageParam = {
  role: 'user',
  content: 'What is the weather in Paris?',
};
const matchesSchema = new Ajv().compile(WEATHER_SCHEMA);
const weather = (city: string) => `21 degrees in ${city}`;

describe('function tools on a local model, through the openai SDK', () => {
  let directory: string;
  let client: OpenAI;
  let close: () => Promise<void>;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'parley-local-tools-'));
    const tools = join(directory, 'tools.gguf');
    const plain = join(directory, 'plain.gguf');
    await writeTinyGguf(tools, { tools: true });
    await writeTinyGguf(plain);
    const configFile = join(directory, 'parley.yaml');
    await writeFile(
      configFile,
      [
        'deployments:',
        `  tools-engine: { provider: local, model: "${tools}" }`,
        `  plain-engine: { provider: local, model: "${plain}" }`,
        'routes:',
        '  offline: { deployments: [tools-engine] }',
        '  offline-plain: { deployments: [plain-engine] }',
        '',
      ].join('\n'),
    );
    const env = {
      DATABASE_URL: 'sqlite::memory:',
      PARLEY_CONFIG: configFile,
      PARLEY_DEFAULT_MODEL: 'offline',
      PARLEY_LOCAL_THREADS: '1',
    };
    const parley = await buildTestApp({ env, models: createModelRegistry(loadConfig(env)) });
    const address = await parley.app.listen({ port: 0, host: '127.0.0.1' });
    client = new OpenAI({ baseURL: `${address}/v1`, apiKey: 'unused', maxRetries: 0 });
    close = async () => {
      await parley.app.close();
      await parley.store.close();
    };
  });
  after(async () => {
    await close?.();
    await disposeLocalEngines();
    await rm(directory, { recursive: true, force: true });
  });

  it('chat completions: a required call whose arguments fit the schema, then the answer to its result', async () => {
    const { data: first, response } = await client.chat.completions
      .create({ model: 'offline', messages: [QUESTION], tools: [WEATHER_TOOL], tool_choice: 'required' })
      .withResponse();
    assert.equal(response.headers.get('x-parley-route'), 'tools-engine;ok');
    const choice = first.choices[0];
    assert.equal(choice?.finish_reason, 'tool_calls');
    const call = choice?.message.tool_calls?.[0];
    assert.ok(call?.type === 'function', JSON.stringify(choice));
    assert.equal(call.function.name, 'get_weather');
    const args: unknown = JSON.parse(call.function.arguments);
    assert.ok(matchesSchema(args), call.function.arguments);
    assert.deepEqual(args, { city: TINY_TOOL_WORD });

    const second = await client.chat.completions.create({
      model: 'offline',
      messages: [
        QUESTION,
        choice?.message as OpenAI.Chat.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: call.id, content: weather((args as { city: string }).city) },
      ],
      tools: [WEATHER_TOOL],
    });
    assert.equal(second.choices[0]?.finish_reason, 'stop');
    assert.equal(second.choices[0]?.message.content, TINY_ANSWER);
    assert.equal(second.choices[0]?.message.tool_calls, undefined);
  });

  it('chat completions, streamed: the call arrives as tool_calls deltas the SDK assembles', async () => {
    const stream = client.chat.completions.stream({
      model: 'offline',
      messages: [QUESTION],
      tools: [WEATHER_TOOL],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
    assert.ok(call?.type === 'function');
    assert.match(call.id, /^call_/);
    assert.deepEqual(JSON.parse(call.function.arguments), { city: TINY_TOOL_WORD });
  });

  it('responses: a function_call item, then the answer to its function_call_output by previous_response_id', async () => {
    const tool: OpenAI.Responses.FunctionTool = {
      type: 'function',
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: WEATHER_SCHEMA,
      strict: true,
    };
    const first = await client.responses.create({
      model: 'offline',
      input: 'What is the weather in Paris?',
      tools: [tool],
      tool_choice: 'required',
    });
    const call = first.output.find((item) => item.type === 'function_call');
    assert.ok(call?.type === 'function_call', JSON.stringify(first.output));
    assert.equal(call.name, 'get_weather');
    assert.ok(matchesSchema(JSON.parse(call.arguments)), call.arguments);

    const second = await client.responses.create({
      model: 'offline',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: weather(TINY_TOOL_WORD) }],
      tools: [tool],
    });
    assert.equal(second.output_text, TINY_ANSWER);
  });

  it('refuses tools with a 400 naming them for a local model whose template has no call syntax', async () => {
    // Twice: once while its engine loads (the model refuses), once it is loaded (refused up front).
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await client.chat.completions
        .create({ model: 'offline-plain', messages: [QUESTION], tools: [WEATHER_TOOL] })
        .then(
          () => assert.fail('it answered'),
          (caught: unknown) => caught,
        );
      assert.ok(error instanceof OpenAI.BadRequestError, String(error));
      assert.match(error.message, /'tools' is not supported by the provider 'local'/);
    }
    const plain = await client.chat.completions.create({ model: 'offline-plain', messages: [QUESTION] });
    assert.equal(plain.choices[0]?.message.content, TINY_ANSWER);
  });
});
