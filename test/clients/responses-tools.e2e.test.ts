/**
 * Function tools on `/v1/responses`, the way each client library runs them: the model's call comes
 * back as a `function_call` output item (streamed with OpenAI's events), is stored as the answer's
 * part, and the next request sends the result (`function_call_output`, by `previous_response_id`,
 * by item references or by the whole history); the model continues with it.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { run, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled } from '@openai/agents';
import { generateText, stepCountIs, streamText } from 'ai';
import OpenAI from 'openai';
import { FakeChatGPTWeb } from '../support/fake-chatgpt-web.ts';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';
import {
  recordedWeather,
  scriptWeatherCall,
  scriptWeatherLoop,
  WEATHER_SCHEMA,
  weatherAgent,
  weatherAiSdkTool,
} from '../support/weather-tool.ts';

interface UpstreamBody {
  readonly messages: {
    role: string;
    content: unknown;
    tool_call_id?: string;
    tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  }[];
  readonly tools?: { type: string; function: { name: string } }[];
  readonly tool_choice?: unknown;
}

describe('function tools on /v1/responses, with each client library', () => {
  let parley: ParleyWithUpstreams;
  let chatgpt: FakeChatGPTWeb;
  let client: OpenAI;
  const upstreamBody = () => parley.openai.lastRequest().body as UpstreamBody;
  /** The model asks for the weather in Oslo, then answers with what the tool said. */
  const scriptLoop = (streamed = false) => scriptWeatherLoop(parley.openai, streamed);
  /** The request after the tool ran: the assistant's call, then its result, as OpenAI's chat messages. */
  const assertResultSent = () => {
    const { messages, tools } = upstreamBody();
    assert.equal(tools?.[0]?.function.name, 'weather');
    const call = messages.find((message) => message.tool_calls !== undefined);
    assert.equal(call?.tool_calls?.[0]?.id, 'call_1');
    assert.equal(call?.tool_calls?.[0]?.function.arguments, '{"city":"Oslo"}');
    const result = messages.at(-1);
    assert.equal(result?.role, 'tool');
    assert.equal(result?.tool_call_id, 'call_1');
    assert.match(JSON.stringify(result?.content), /21 degrees in Oslo/);
  };

  before(async () => {
    chatgpt = await FakeChatGPTWeb.start();
    parley = await startParleyWithUpstreams({
      CHATGPT_ACCESS_TOKEN: 'eyJhbGciOi.tools-token.sig',
      CHATGPT_BASE_URL: chatgpt.baseUrl(),
    });
    client = new OpenAI({ baseURL: parley.v1, apiKey: 'unused', maxRetries: 0 });
    setDefaultOpenAIClient(client);
    setOpenAIAPI('responses');
    setTracingDisabled(true);
  });
  after(async () => {
    await parley.close();
    await chatgpt.close();
  });

  test('openai: a function_call item, its output by previous_response_id, the final answer', async () => {
    scriptLoop();
    const tools = [{ type: 'function' as const, name: 'weather', parameters: WEATHER_SCHEMA, strict: true }];
    const first = await client.responses.create({ input: 'Weather in Oslo?', tools, tool_choice: 'auto' });
    const call = first.output.find((item) => item.type === 'function_call');
    assert.equal(call?.type, 'function_call');
    assert.equal(call.name, 'weather');
    assert.equal(call.call_id, 'call_1');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Oslo' });
    assert.equal(first.output.length, 1, 'no empty message beside the call');
    assert.deepEqual(first.tools, [
      { type: 'function', name: 'weather', description: null, parameters: WEATHER_SCHEMA, strict: true },
    ]);
    assert.equal(upstreamBody().tool_choice, 'auto');

    const stored = await client.responses.retrieve(first.id);
    assert.deepEqual(stored.output, first.output, 'the call is stored as the answer part');

    const second = await client.responses.create({
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: 'call_1', output: '21 degrees in Oslo' }],
      tools,
    });
    assert.equal(second.output_text, 'It is 21 degrees in Oslo.');
    assertResultSent();
  });

  test('openai: a streamed call comes as output_item.added, arguments deltas, done', async () => {
    scriptWeatherCall(parley.openai, true);
    const stream = await client.responses.create({
      input: 'Weather in Oslo?',
      tools: [{ type: 'function', name: 'weather', parameters: WEATHER_SCHEMA, strict: true }],
      stream: true,
    });
    const events: string[] = [];
    let deltas = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      events.push(event.type);
      if (event.type === 'response.function_call_arguments.delta') deltas += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    assert.equal(deltas, '{"city":"Oslo"}');
    for (const type of [
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ])
      assert.ok(events.includes(type), type);
    const call = completed?.output.find((item) => item.type === 'function_call');
    assert.equal(call?.type === 'function_call' ? call.arguments : undefined, '{"city":"Oslo"}');
  });

  test('the Agents SDK: an agent whose function tool is called and whose result reaches the answer', async () => {
    const { cities, weatherIn } = recordedWeather();
    const agent = weatherAgent('fake-model', weatherIn);
    scriptLoop();
    const result = await run(agent, 'What is the weather in Oslo?');
    assert.equal(result.finalOutput, 'It is 21 degrees in Oslo.');
    assert.deepEqual(cities, ['Oslo']);
    assertResultSent();

    scriptLoop(true);
    const streamed = await run(agent, 'And streamed?', { stream: true });
    await streamed.completed;
    assert.equal(streamed.finalOutput, 'It is 21 degrees in Oslo.');
    assert.deepEqual(cities, ['Oslo', 'Oslo']);
    assertResultSent();
  });

  test('the AI SDK: the Responses model with a tool and stopWhen (calls referred to by item reference)', async () => {
    const openai = createOpenAI({ baseURL: parley.v1, apiKey: 'unused' });
    const weather = weatherAiSdkTool();
    scriptLoop();
    const result = await generateText({
      model: openai('fake-model'),
      prompt: 'What is the weather in Oslo?',
      tools: { weather },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    assert.equal(result.text, 'It is 21 degrees in Oslo.');
    assert.equal(result.steps.length, 2);
    assertResultSent();

    scriptLoop(true);
    const streamed = streamText({
      model: openai('fake-model'),
      prompt: 'What is the weather in Oslo?',
      tools: { weather },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    assert.equal(await streamed.text, 'It is 21 degrees in Oslo.');
    assertResultSent();
  });

  test('a provider without tools refuses them by name, before anything is stored', async () => {
    await assert.rejects(
      client.responses.create({
        model: 'chatgpt-web/auto',
        input: 'x',
        tools: [{ type: 'function', name: 'weather', parameters: WEATHER_SCHEMA, strict: true }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.param, 'tools');
        assert.match(error.message, /'tools' is not supported by the provider 'chatgpt-web'/);
        return true;
      },
    );
  });
});
