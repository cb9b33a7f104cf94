/**
 * `POST /v1/chat/completions`: stateless, as OpenAI's. Messages in, a completion out, routed to the
 * provider of `model`; with `stream: true`, one chunk per upstream delta as it arrives.
 */

import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import type { Completions } from '../../conversations/completions.ts';
import type { InputMessage } from '../../conversations/prompt.ts';
import { buildPrompt } from '../../conversations/prompt.ts';
import { badRequest } from '../../errors.ts';
import type { FinishReason, Usage } from '../../providers/spec.ts';
import { abortOnDisconnect } from '../client-signal.ts';
import { SseWriter } from '../sse.ts';
import type { OpenAIApp } from './openai-app.ts';
import { toOpenAIError } from './openai-errors.ts';

const ContentPart = Type.Object(
  { type: Type.Literal('text'), text: Type.String() },
  { additionalProperties: false },
);
const ChatMessage = Type.Object(
  {
    role: Type.Union([
      Type.Literal('system'),
      Type.Literal('developer'),
      Type.Literal('user'),
      Type.Literal('assistant'),
    ]),
    content: Type.Union([Type.String(), Type.Array(ContentPart), Type.Null()]),
    name: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const ChatCompletionBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 200 }),
    messages: Type.Array(ChatMessage, { minItems: 1 }),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    stream_options: Type.Optional(
      Type.Union([
        Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        Type.Null(),
      ]),
    ),
    max_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    max_completion_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
    top_p: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
    stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 4 }), Type.Null()])),
    n: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    user: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

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
    if (body.n !== undefined && body.n !== null && body.n !== 1) {
      throw badRequest('Parley answers one choice per request: n must be 1.', 'n');
    }
    const { modelName, model } = completions.resolve(body.model);
    const messages: InputMessage[] = body.messages.map((message) => ({
      role: message.role,
      content:
        typeof message.content === 'string'
          ? message.content
          : (message.content ?? []).map((part) => part.text).join(''),
    }));
    const prompt = buildPrompt([], messages);
    const maxOutputTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
    const options = {
      ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
      ...(body.temperature == null ? {} : { temperature: body.temperature }),
      ...(body.top_p == null ? {} : { topP: body.top_p }),
      ...(body.stop == null ? {} : { stop: typeof body.stop === 'string' ? [body.stop] : body.stop }),
    };
    const signal = abortOnDisconnect(reply);
    const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
    const created = Math.floor(Date.now() / 1000);

    if (body.stream !== true) {
      const result = await completions.generate(model, prompt, options, signal);
      return {
        id,
        object: 'chat.completion',
        created,
        model: modelName,
        system_fingerprint: null,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: result.text, refusal: null, annotations: [] },
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
      for await (const part of completions.stream(model, prompt, options, signal)) {
        if (!sse.isOpen) {
          sse.open();
          await sse.send({ data: chunk({ role: 'assistant', content: '', refusal: null }, null) });
        }
        if (part.type === 'text-delta') {
          await sse.send({ data: chunk({ content: part.delta }, null) });
          continue;
        }
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
