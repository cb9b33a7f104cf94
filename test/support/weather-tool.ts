/**
 * The "weather in Oslo" tool loop the client-library tests share: a fake OpenAI-compatible
 * upstream that asks for the weather tool (`call_1`, `{"city": "Oslo"}`) and then answers with
 * what the tool said, and the weather tool as the Agents SDK and the AI SDK define it.
 */

import { Agent, tool as agentTool, type Model } from '@openai/agents';
import { tool } from 'ai';
import { z } from 'zod';
import {
  completion,
  type FakeOpenAIUpstream,
  streamedToolCall,
  toolCallCompletion,
} from './fake-openai-upstream.ts';

/** What the weather tool says about a city. */
export const weatherIn = (city: string): string => `21 degrees in ${city}`;

/** The tool's parameters as JSON Schema (fit for `strict`), for tools written out by hand. */
export const WEATHER_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
};

const DESCRIPTION = 'The weather in a city';
const PARAMETERS = z.object({ city: z.string() });

/** A weather tool body that keeps the cities it was asked about, to count the tool's runs. */
export function recordedWeather(): {
  readonly cities: string[];
  readonly weatherIn: (city: string) => string;
} {
  const cities: string[] = [];
  return {
    cities,
    weatherIn: (city) => {
      cities.push(city);
      return weatherIn(city);
    },
  };
}

/** Scripts only the model's call for the weather in Oslo: whole, or streamed in pieces. */
export function scriptWeatherCall(upstream: FakeOpenAIUpstream, streamed = false): void {
  upstream.reply(
    streamed
      ? streamedToolCall('weather', ['{"city":', '"Oslo"}'])
      : { kind: 'json', body: toolCallCompletion('weather', { city: 'Oslo' }) },
  );
}

/**
 * Scripts the whole loop: the model asks for the weather in Oslo, then answers "It is 21 degrees
 * in Oslo." (streamed: the call in pieces, then the answer in pieces).
 */
export function scriptWeatherLoop(upstream: FakeOpenAIUpstream, streamed = false): void {
  scriptWeatherCall(upstream, streamed);
  upstream.reply(
    streamed
      ? { kind: 'stream', deltas: ['It is 21 ', 'degrees in Oslo.'] }
      : { kind: 'json', body: completion('It is 21 degrees in Oslo.') },
  );
}

/** The weather tool as the Agents SDK defines it. */
export const weatherAgentTool = (execute = weatherIn) =>
  agentTool({
    name: 'weather',
    description: DESCRIPTION,
    parameters: PARAMETERS,
    execute: async ({ city }) => execute(city),
  });

/** An Agents SDK agent that answers with the weather tool, on `model` (a name or a model). */
export const weatherAgent = (model: string | Model, execute = weatherIn) =>
  new Agent({
    name: 'Forecaster',
    instructions: 'Answer with the weather tool.',
    model,
    tools: [weatherAgentTool(execute)],
  });

/** The weather tool as the AI SDK defines it (for `tools: { weather: ... }`). */
export const weatherAiSdkTool = (execute = weatherIn) =>
  tool({
    description: DESCRIPTION,
    inputSchema: PARAMETERS,
    execute: async ({ city }) => execute(city),
  });
