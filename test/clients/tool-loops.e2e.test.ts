/**
 * A full tool loop with each client library: the model calls a function, the client runs it and
 * sends the result back, and the final answer uses it — through `/v1/chat/completions`, and
 * through `/v1/responses` for the AI SDK's default model and LangChain's `useResponsesApi`, whole
 * and streamed. The fake upstream speaks OpenAI's documented `tool_calls` wire format (a streamed
 * call arrives in pieces).
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { tool as langchainTool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import { OpenAIChatCompletionsModel, run, setTracingDisabled } from '@openai/agents';
import { generateText, stepCountIs, streamText } from 'ai';
import OpenAI from 'openai';
import { z } from 'zod';
import { type ParleyWithUpstreams, startParleyWithUpstreams } from '../support/parley-with-upstreams.ts';
import {
  recordedWeather,
  scriptWeatherLoop,
  weatherAgent,
  weatherAiSdkTool,
} from '../support/weather-tool.ts';

interface UpstreamBody {
  readonly messages: { role: string; content: unknown; tool_call_id?: string }[];
  readonly tools?: { type: string; function: { name: string } }[];
}

describe('a tool loop with each client library', () => {
  let parley: ParleyWithUpstreams;
  const { cities: weatherCalls, weatherIn: weather } = recordedWeather();
  const upstreamBodies = () => parley.openai.requests.map((request) => request.body as UpstreamBody);

  /** The model asks for the weather in Oslo, then answers with what the tool said. */
  const scriptLoop = () => scriptWeatherLoop(parley.openai);
  /** The same loop streamed: the call in pieces, then the answer in pieces. */
  const scriptStreamedLoop = () => scriptWeatherLoop(parley.openai, true);
  const aiSdkTools = { weather: weatherAiSdkTool(weather) };
  /** The request after the tool ran: it carries the call's result as a tool message. */
  const assertResultSent = () => {
    const last = upstreamBodies().at(-1);
    assert.equal(last?.tools?.[0]?.function.name, 'weather');
    const result = last?.messages.find((message) => message.role === 'tool');
    assert.equal(result?.tool_call_id, 'call_1');
    assert.match(JSON.stringify(result?.content), /21 degrees in Oslo/);
  };

  before(async () => {
    parley = await startParleyWithUpstreams();
    setTracingDisabled(true);
  });
  after(() => parley.close());

  test('the AI SDK: generateText with a tool and stopWhen', async () => {
    const openai = createOpenAI({ baseURL: parley.v1, apiKey: 'unused' });
    scriptLoop();
    const result = await generateText({
      model: openai.chat('fake-model'),
      prompt: 'What is the weather in Oslo?',
      tools: aiSdkTools,
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    assert.equal(result.text, 'It is 21 degrees in Oslo.');
    assert.equal(result.steps.length, 2);
    assertResultSent();
  });

  for (const api of ['chat', 'responses'] as const) {
    test(`the AI SDK: streamText with a tool and stopWhen on the ${api} model`, async () => {
      const openai = createOpenAI({ baseURL: parley.v1, apiKey: 'unused' });
      scriptStreamedLoop();
      const calls = weatherCalls.length;
      const result = streamText({
        model: api === 'chat' ? openai.chat('fake-model') : openai('fake-model'),
        prompt: 'What is the weather in Oslo?',
        tools: aiSdkTools,
        stopWhen: stepCountIs(3),
        maxRetries: 0,
      });
      const pieces: string[] = [];
      for await (const piece of result.textStream) pieces.push(piece);
      assert.equal(pieces.join(''), 'It is 21 degrees in Oslo.');
      assert.ok(pieces.length > 1, 'the answer arrives in pieces');
      const steps = await result.steps;
      assert.equal(steps.length, 2);
      assert.deepEqual(
        steps[0]?.toolCalls.map((call) => [call.toolName, call.input]),
        [['weather', { city: 'Oslo' }]],
      );
      assert.equal(await result.finishReason, 'stop');
      assert.equal(weatherCalls.length, calls + 1, 'the tool ran once');
      assertResultSent();
    });
  }

  for (const useResponsesApi of [false, true]) {
    const api = useResponsesApi ? 'the Responses API' : 'chat completions';
    test(`LangChain on ${api}: bindTools, the tool's result sent back, the final answer, whole and streamed`, async () => {
      const weatherTool = langchainTool(async ({ city }: { city: string }) => weather(city), {
        name: 'weather',
        description: 'The weather in a city',
        schema: z.object({ city: z.string() }),
      });
      const model = new ChatOpenAI({
        model: 'fake-model',
        apiKey: 'unused',
        configuration: { baseURL: parley.v1 },
        useResponsesApi,
        maxRetries: 0,
      }).bindTools([weatherTool]);
      scriptLoop();
      const question = new HumanMessage('What is the weather in Oslo?');
      const call = await model.invoke([question]);
      const [toolCall] = call.tool_calls ?? [];
      assert.equal(toolCall?.name, 'weather');
      assert.deepEqual(toolCall?.args, { city: 'Oslo' });
      // Invoked with the whole call, the tool answers with a ToolMessage (its name set, as LangChain does).
      const result: unknown = await weatherTool.invoke({
        ...toolCall,
        id: toolCall?.id ?? '',
        type: 'tool_call',
      });
      assert.ok(result instanceof ToolMessage);
      const answer = await model.invoke([question, call, result]);
      assert.equal(answer.text, 'It is 21 degrees in Oslo.');
      assertResultSent();

      scriptStreamedLoop();
      let streamedCall: typeof call | undefined;
      for await (const chunk of await model.stream([question])) {
        streamedCall = streamedCall === undefined ? chunk : streamedCall.concat(chunk);
      }
      assert.deepEqual(streamedCall?.tool_calls?.[0]?.args, { city: 'Oslo' });
      const pieces: string[] = [];
      for await (const chunk of await model.stream([question, call, result])) pieces.push(chunk.text);
      assert.equal(pieces.join(''), 'It is 21 degrees in Oslo.');
      assertResultSent();
    });
  }

  test('the Agents SDK: an agent whose function tool is called and whose result reaches the answer', async () => {
    const client = new OpenAI({ baseURL: parley.v1, apiKey: 'unused', maxRetries: 0 });
    const agent = weatherAgent(new OpenAIChatCompletionsModel(client, 'fake-model'), weather);
    scriptLoop();
    const result = await run(agent, 'What is the weather in Oslo?');
    assert.equal(result.finalOutput, 'It is 21 degrees in Oslo.');
    assertResultSent();
    assert.deepEqual(new Set(weatherCalls), new Set(['Oslo']));
    assert.equal(weatherCalls.length, 6, 'each client ran the tool once per loop');
  });
});
