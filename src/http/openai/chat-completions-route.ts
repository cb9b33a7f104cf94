/**
 * `POST /v1/chat/completions`: stateless, as OpenAI's. Messages in, a completion out, routed to the
 * provider of `model`; with `stream: true`, one chunk per upstream delta as it arrives.
 */

import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import type { Completions } from '../../conversations/completions.ts';
import type { GenerationOptions } from '../../conversations/turn.ts';
import { badRequest } from '../../errors.ts';
import type { CallOptions, FinishReason, PromptMessage, ToolCall, Usage } from '../../providers/spec.ts';
import { abortOnDisconnect } from '../client-signal.ts';
import { routeHeaderReporter } from '../route-header.ts';
import { SseWriter } from '../sse.ts';
import type { OpenAIApp } from './openai-app.ts';
import { toOpenAIError } from './openai-errors.ts';

const ContentPart = Type.Object(
  { type: Type.Literal('text'), text: Type.String() },
  { additionalProperties: false },
);
const Content = Type.Union([Type.String(), Type.Array(ContentPart), Type.Null()]);
const ToolCallSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.Literal('function'),
    function: Type.Object({ name: Type.String(), arguments: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
const ChatMessage = Type.Union([
  Type.Object(
    {
      role: Type.Union([Type.Literal('system'), Type.Literal('developer'), Type.Literal('user')]),
      content: Content,
      name: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      role: Type.Literal('assistant'),
      content: Type.Optional(Content),
      name: Type.Optional(Type.String()),
      refusal: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      tool_calls: Type.Optional(Type.Array(ToolCallSchema)),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { role: Type.Literal('tool'), content: Content, tool_call_id: Type.String() },
    { additionalProperties: false },
  ),
]);

const FunctionTool = Type.Object(
  {
    type: Type.Literal('function'),
    function: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 64 }),
        description: Type.Optional(Type.String()),
        parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        strict: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const ToolChoiceSchema = Type.Union([
  Type.Literal('auto'),
  Type.Literal('none'),
  Type.Literal('required'),
  Type.Object(
    {
      type: Type.Literal('function'),
      function: Type.Object({ name: Type.String() }, { additionalProperties: false }),
    },
    { additionalProperties: false },
  ),
]);
const ResponseFormatSchema = Type.Union([
  Type.Object({ type: Type.Literal('text') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('json_object') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('json_schema'),
      json_schema: Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 64 }),
          description: Type.Optional(Type.String()),
          schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          strict: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
]);

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
    tools: Type.Optional(Type.Array(FunctionTool, { maxItems: 128 })),
    tool_choice: Type.Optional(ToolChoiceSchema),
    response_format: Type.Optional(ResponseFormatSchema),
  },
  { additionalProperties: false },
);

type ChatCompletionRequest = Type.Static<typeof ChatCompletionBody>;

function textOf(content: Type.Static<typeof Content> | undefined): string {
  if (content === undefined || content === null) return '';
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

/** OpenAI's messages as the provider spec's prompt (developer → system, tool calls kept). */
function toPrompt(messages: ChatCompletionRequest['messages']): PromptMessage[] {
  return messages.map((message): PromptMessage => {
    if (message.role === 'tool') {
      return { role: 'tool', content: textOf(message.content), toolCallId: message.tool_call_id };
    }
    if (message.role === 'assistant') {
      const toolCalls = (message.tool_calls ?? []).map((call) => ({
        id: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
      }));
      return {
        role: 'assistant',
        content: textOf(message.content),
        ...(toolCalls.length === 0 ? {} : { toolCalls }),
      };
    }
    return { role: message.role === 'developer' ? 'system' : message.role, content: textOf(message.content) };
  });
}

function toCallOptions(
  body: ChatCompletionRequest,
): GenerationOptions & Pick<CallOptions, 'tools' | 'toolChoice' | 'responseFormat'> {
  const maxOutputTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const format = body.response_format;
  return {
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    ...(body.temperature == null ? {} : { temperature: body.temperature }),
    ...(body.top_p == null ? {} : { topP: body.top_p }),
    ...(body.stop == null ? {} : { stop: typeof body.stop === 'string' ? [body.stop] : body.stop }),
    ...(body.tools === undefined
      ? {}
      : {
          tools: body.tools.map((tool) => ({
            name: tool.function.name,
            ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
            ...(tool.function.parameters === undefined ? {} : { parameters: tool.function.parameters }),
            ...(tool.function.strict == null ? {} : { strict: tool.function.strict }),
          })),
        }),
    ...(body.tool_choice === undefined
      ? {}
      : {
          toolChoice:
            typeof body.tool_choice === 'string'
              ? body.tool_choice
              : { name: body.tool_choice.function.name },
        }),
    ...(format === undefined
      ? {}
      : {
          responseFormat:
            format.type === 'json_schema'
              ? {
                  type: 'json_schema' as const,
                  name: format.json_schema.name,
                  ...(format.json_schema.schema === undefined ? {} : { schema: format.json_schema.schema }),
                  ...(format.json_schema.description === undefined
                    ? {}
                    : { description: format.json_schema.description }),
                  ...(format.json_schema.strict == null ? {} : { strict: format.json_schema.strict }),
                }
              : { type: format.type },
        }),
  };
}

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
    if (body.n !== undefined && body.n !== null && body.n !== 1) {
      throw badRequest('Parley answers one choice per request: n must be 1.', 'n');
    }
    const { modelName, model } = completions.resolve(body.model, request.principal.models);
    const prompt = toPrompt(body.messages);
    const options = { ...toCallOptions(body), onAttempt: routeHeaderReporter(reply) };
    completions.assertSupported(model, options);
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
