/**
 * `POST /v1/chat/completions`: stateless, as OpenAI's. Messages in, a completion out, routed to the
 * provider of `model`; with `stream: true`, one chunk per upstream delta as it arrives.
 */

import { randomUUID } from 'node:crypto';
import type { Completions } from '../../conversations/completions.ts';
import type { FinishReason, ToolCall, Usage } from '../../providers/spec.ts';
import { abortOnDisconnect } from '../client-signal.ts';
import { routeHeaderReporter } from '../route-header.ts';
import { SseWriter } from '../sse.ts';
import {
  assertChatRequestHonoured,
  ChatCompletionBody,
  toChatCallOptions,
  toChatPrompt,
} from './chat-completions-request.ts';
import type { OpenAIApp } from './openai-app.ts';
import { toOpenAIError } from './openai-errors.ts';

function toOpenAIToolCalls(calls: readonly ToolCall[]) {
  return calls.map((call) => ({
    id: call.id,
    type: 'function' as const,
    function: { name: call.name, arguments: call.arguments },
  }));
}

const FINISH_REASONS: Readonly<Record<FinishReason, string>> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content_filter',
  'tool-calls': 'tool_calls',
  error: 'stop',
  other: 'stop',
};

function toUsage(usage: Usage | undefined) {
  if (usage === undefined) return null;
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

export function registerChatCompletionsRoute(app: OpenAIApp, completions: Completions): void {
  app.post('/chat/completions', { schema: { body: ChatCompletionBody } }, async (request, reply) => {
    const body = request.body;
    const { modelName, model } = completions.resolve(body.model, request.principal.models);
    const prompt = toChatPrompt(body.messages);
    assertChatRequestHonoured(body, model);
    const options = { ...toChatCallOptions(body), onAttempt: routeHeaderReporter(reply) };
    const signal = abortOnDisconnect(reply);
    const account = { owner: request.principal.owner, keyId: request.principal.keyId };
    const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
    const created = Math.floor(Date.now() / 1000);

    if (body.stream !== true) {
      const result = await completions.generate(model, prompt, options, signal, account);
      return {
        id,
        object: 'chat.completion',
        created,
        model: modelName,
        system_fingerprint: null,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: result.toolCalls !== undefined && result.text === '' ? null : result.text,
              refusal: null,
              annotations: [],
              ...(result.toolCalls === undefined ? {} : { tool_calls: toOpenAIToolCalls(result.toolCalls) }),
            },
            logprobs: null,
            finish_reason: FINISH_REASONS[result.finishReason],
          },
        ],
        usage: toUsage(result.usage),
      };
    }

    const includeUsage = body.stream_options?.include_usage === true;
    const sse = new SseWriter(reply);
    const chunk = (delta: Record<string, unknown>, finishReason: string | null) =>
      JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model: modelName,
        system_fingerprint: null,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
        ...(includeUsage ? { usage: null } : {}),
      });
    try {
      for await (const part of completions.stream(model, prompt, options, signal, account)) {
        if (!sse.isOpen) {
          sse.open();
          await sse.send({ data: chunk({ role: 'assistant', content: '', refusal: null }, null) });
        }
        if (part.type === 'text-delta') {
          await sse.send({ data: chunk({ content: part.delta }, null) });
          continue;
        }
        if (part.type === 'tool-call-delta') {
          const call = {
            index: part.index,
            ...(part.id === undefined ? {} : { id: part.id, type: 'function' }),
            function: {
              ...(part.name === undefined ? {} : { name: part.name }),
              arguments: part.argumentsDelta,
            },
          };
          await sse.send({ data: chunk({ tool_calls: [call] }, null) });
          continue;
        }
        // Upstream conversation ids mean nothing to a stateless completion.
        if (part.type === 'upstream-refs') continue;
        await sse.send({ data: chunk({}, FINISH_REASONS[part.finishReason]) });
        if (includeUsage) {
          const usage = toUsage(part.usage);
          await sse.send({
            data: JSON.stringify({
              id,
              object: 'chat.completion.chunk',
              created,
              model: modelName,
              system_fingerprint: null,
              choices: [],
              usage,
            }),
          });
        }
        await sse.send({ data: '[DONE]' });
      }
    } catch (error) {
      if (!sse.isOpen) throw error;
      // OpenAI's own mid-stream failure: an error object as a data frame, then the end, no [DONE].
      await sse.send({ data: JSON.stringify(toOpenAIError(error).body) });
    }
    sse.end();
    return undefined;
  });
}
