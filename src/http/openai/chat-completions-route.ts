/**
 * `POST /v1/chat/completions`: stateless, as OpenAI's. Messages in, a completion out, routed to the
 * provider of `model`; with `stream: true`, one chunk per upstream delta as it arrives; with `n`,
 * that many choices generated side by side.
 */

import { randomUUID } from 'node:crypto';
import type { Completions } from '../../conversations/completions.ts';
import { ParleyError } from '../../errors.ts';
import type { FinishReason, TokenAlternative, TokenLogprob, ToolCall, Usage } from '../../providers/spec.ts';
import { abortOnDisconnect } from '../client-signal.ts';
import { sendEventStream } from '../event-stream.ts';
import { routeHeaderReporter } from '../route-header.ts';
import { choiceCount, generateChoices, streamChoices, sumUsage } from './chat-completions-choices.ts';
import {
  assertChatRequestHonoured,
  ChatCompletionBody,
  toChatCallOptions,
  toChatPrompt,
} from './chat-completions-request.ts';
import { reasoningContentOf } from './chat-reasoning.ts';
import { functionCallDelta, toFunctionCall, usesFunctions } from './chat-functions.ts';
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

const toOpenAIToken = (token: TokenAlternative) => ({
  token: token.token,
  logprob: token.logprob,
  bytes: token.bytes,
});

/** A choice's `logprobs` as OpenAI sends it: null when none were asked for. */
function toOpenAILogprobs(logprobs: readonly TokenLogprob[] | undefined) {
  if (logprobs === undefined) return null;
  const content = logprobs.map((token) => ({
    ...toOpenAIToken(token),
    top_logprobs: token.topLogprobs.map(toOpenAIToken),
  }));
  return { content, refusal: null };
}

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
    const options = toChatCallOptions(body);
    // A request that offered `functions` hears back in that deprecated form.
    const legacy = usesFunctions(body);
    const finishReason = (reason: FinishReason) =>
      legacy && reason === 'tool-calls' ? 'function_call' : FINISH_REASONS[reason];
    const signal = abortOnDisconnect(reply);
    const account = { owner: request.principal.owner, keyId: request.principal.keyId };
    const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
    const created = Math.floor(Date.now() / 1000);
    const reportAttempt = routeHeaderReporter(reply);

    const turns = Array.from({ length: choiceCount(body.n) }, () => {
      const turn = completions.start({ modelName, model }, prompt, options, account);
      turn.reportAttemptsTo(reportAttempt);
      return turn;
    });
    if (body.stream !== true) {
      const results = await generateChoices(turns, signal);
      return {
        id,
        object: 'chat.completion',
        created,
        model: modelName,
        system_fingerprint: null,
        choices: results.map((result, index) => ({
          index,
          message: {
            role: 'assistant',
            content: result.toolCalls !== undefined && result.text === '' ? null : result.text,
            ...reasoningContentOf(result.reasoning),
            refusal: null,
            annotations: [],
            ...(result.toolCalls === undefined
              ? {}
              : legacy
                ? { function_call: toFunctionCall(result.toolCalls) }
                : { tool_calls: toOpenAIToolCalls(result.toolCalls) }),
          },
          logprobs: toOpenAILogprobs(result.logprobs),
          finish_reason: finishReason(result.finishReason),
        })),
        usage: toUsage(sumUsage(results.map((result) => result.usage))),
      };
    }

    const includeUsage = body.stream_options?.include_usage === true;
    const usages: (Usage | undefined)[] = [];
    const chunk = (choices: readonly Record<string, unknown>[], usage?: Usage | null) =>
      JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model: modelName,
        system_fingerprint: null,
        choices,
        ...(includeUsage ? { usage: usage == null ? null : toUsage(usage) } : {}),
      });
    const choiceChunk = (
      index: number,
      delta: Record<string, unknown>,
      finishReason: string | null = null,
      logprobs?: readonly TokenLogprob[],
    ) => chunk([{ index, delta, logprobs: toOpenAILogprobs(logprobs), finish_reason: finishReason }]);
    await sendEventStream(
      reply,
      streamChoices(turns, signal),
      {
        opening: () =>
          turns.map((_, index) => ({
            data: choiceChunk(index, { role: 'assistant', content: '', refusal: null }),
          })),
        frames(event) {
          switch (event.type) {
            case 'text-delta':
              return [{ data: choiceChunk(event.choice, { content: event.delta }, null, event.logprobs) }];
            case 'tool-call-delta': {
              if (legacy)
                return [{ data: choiceChunk(event.choice, { function_call: functionCallDelta(event) }) }];
              const call = {
                index: event.index,
                ...(event.id === undefined ? {} : { id: event.id, type: 'function' }),
                function: {
                  ...(event.name === undefined ? {} : { name: event.name }),
                  arguments: event.argumentsDelta,
                },
              };
              return [{ data: choiceChunk(event.choice, { tool_calls: [call] }) }];
            }
            case 'reasoning-delta':
              return [{ data: choiceChunk(event.choice, { reasoning_content: event.delta }) }];
            case 'reasoning-end':
              return [];
            case 'finish':
              usages[event.choice] = event.usage;
              return [{ data: choiceChunk(event.choice, {}, finishReason(event.finishReason)) }];
          }
        },
        // One usage chunk for all choices, as OpenAI sends it: no choices, the usage summed.
        closing: () => [
          ...(includeUsage
            ? [{ data: chunk([], sumUsage(turns.map((_, index) => usages[index])) ?? null) }]
            : []),
          { data: '[DONE]' },
        ],
        // OpenAI's own mid-stream failure: an error object as a data frame, then the end, no [DONE].
        failure: (error) => [{ data: JSON.stringify(toOpenAIError(error).body) }],
      },
      () => new ParleyError('UPSTREAM_ERROR', 'the completion ended without any event'),
    );
    return undefined;
  });
}
