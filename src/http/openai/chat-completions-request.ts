/**
 * The request of `POST /v1/chat/completions`: OpenAI's whole schema (openai-node's
 * `ChatCompletionCreateParams`), turned into a prompt and call options. Fields Parley maps itself
 * (sampling, tools, response format) become call options; OpenAI's other fields pass verbatim to
 * an OpenAI-compatible upstream, are accepted as hints elsewhere when they change no output, and
 * are refused by name when the routed provider cannot honour them.
 */

import { Type } from 'typebox';
import { badRequest } from '../../errors.ts';
import type {
  CallOptions,
  ChatModel,
  PromptMessage,
  PromptPart,
  ResponseFormat,
} from '../../providers/spec.ts';
import {
  assertFunctionsRequest,
  FunctionCallChoiceSchema,
  FunctionCallSchema,
  FunctionDefinitionSchema,
  functionCallIds,
  functionsAsTools,
  usesFunctions,
} from './chat-functions.ts';
import { reasoningPartsOf } from './chat-reasoning.ts';
import { audioBytes, fileBytes, imageDetail, imageSource } from './media-parts.ts';
import {
  HINT_FIELDS,
  isEmptyValue,
  reasoningEffort,
  refuseEverywhere,
  refuseForProvider,
} from './provider-support.ts';
import { MetadataSchema, Nullable } from './responses-schemas.ts';

/** A content part; its `type` is checked by hand so a part Parley cannot read is named. */
const ContentPart = Type.Object({ type: Type.String() }, { additionalProperties: true });
const Content = Type.Union([Type.String(), Type.Array(ContentPart), Type.Null()]);
const ToolCallSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.Literal('function'),
    function: Type.Object({ name: Type.String(), arguments: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
const ChatMessage = Type.Object(
  {
    role: Type.Union(
      ['system', 'developer', 'user', 'assistant', 'tool', 'function'].map((role) => Type.Literal(role)),
    ),
    content: Type.Optional(Content),
    name: Type.Optional(Type.String()),
    refusal: Type.Optional(Nullable(Type.String())),
    // An answer's reasoning, as DeepSeek and vLLM send it and clients built for them send it back.
    reasoning_content: Type.Optional(Nullable(Type.String())),
    // An answer's citations, as Parley and OpenAI return them: a client sending the answer back keeps them.
    annotations: Type.Optional(Type.Array(Type.Unknown())),
    tool_calls: Type.Optional(Type.Array(ToolCallSchema)),
    tool_call_id: Type.Optional(Type.String()),
    audio: Type.Optional(Nullable(Type.Object({ id: Type.String() }))),
    function_call: Type.Optional(Nullable(FunctionCallSchema)),
  },
  { additionalProperties: false },
);

const FunctionTool = Type.Object(
  {
    type: Type.String(),
    function: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 64 }),
          description: Type.Optional(Type.String()),
          parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          strict: Type.Optional(Nullable(Type.Boolean())),
        },
        { additionalProperties: false },
      ),
    ),
    custom: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
const ToolChoiceSchema = Type.Union([
  Type.Literal('auto'),
  Type.Literal('none'),
  Type.Literal('required'),
  Type.Object(
    {
      type: Type.String(),
      function: Type.Optional(Type.Object({ name: Type.String() }, { additionalProperties: false })),
      custom: Type.Optional(Type.Unknown()),
      allowed_tools: Type.Optional(Type.Unknown()),
    },
    { additionalProperties: false },
  ),
]);
export const ResponseFormatSchema = Type.Union([
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
          strict: Type.Optional(Nullable(Type.Boolean())),
        },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
]);

export const ChatCompletionBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 200 }),
    messages: Type.Array(ChatMessage, { minItems: 1 }),
    audio: Type.Optional(Nullable(Type.Unknown())),
    frequency_penalty: Type.Optional(Nullable(Type.Number({ minimum: -2, maximum: 2 }))),
    function_call: Type.Optional(FunctionCallChoiceSchema),
    functions: Type.Optional(Type.Array(FunctionDefinitionSchema, { maxItems: 128 })),
    logit_bias: Type.Optional(Nullable(Type.Record(Type.String(), Type.Number()))),
    logprobs: Type.Optional(Nullable(Type.Boolean())),
    max_completion_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    max_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    metadata: Type.Optional(Nullable(MetadataSchema)),
    modalities: Type.Optional(
      Nullable(Type.Array(Type.Union([Type.Literal('text'), Type.Literal('audio')]))),
    ),
    moderation: Type.Optional(Nullable(Type.Unknown())),
    n: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 128 }))),
    parallel_tool_calls: Type.Optional(Nullable(Type.Boolean())),
    prediction: Type.Optional(Nullable(Type.Unknown())),
    presence_penalty: Type.Optional(Nullable(Type.Number({ minimum: -2, maximum: 2 }))),
    prompt_cache_key: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
    prompt_cache_options: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
    prompt_cache_retention: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
    reasoning_effort: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
    response_format: Type.Optional(ResponseFormatSchema),
    safety_identifier: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
    seed: Type.Optional(Nullable(Type.Integer())),
    service_tier: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
    stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 4 }), Type.Null()])),
    store: Type.Optional(Nullable(Type.Boolean())),
    stream: Type.Optional(Nullable(Type.Boolean())),
    stream_options: Type.Optional(
      Nullable(
        Type.Object(
          {
            include_usage: Type.Optional(Type.Boolean()),
            include_obfuscation: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    temperature: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 2 }))),
    tool_choice: Type.Optional(ToolChoiceSchema),
    tools: Type.Optional(Type.Array(FunctionTool, { maxItems: 128 })),
    top_logprobs: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 20 }))),
    top_p: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1 }))),
    user: Type.Optional(Type.String({ maxLength: 256 })),
    verbosity: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
    web_search_options: Type.Optional(Nullable(Type.Unknown())),
  },
  { additionalProperties: false },
);

export type ChatCompletionRequest = Type.Static<typeof ChatCompletionBody>;
type ChatMessageBody = Type.Static<typeof ChatMessage>;

/** Fields that change no output, accepted for every provider (and passed on where it can). */
const HINTS = [...HINT_FIELDS, 'store', 'metadata', 'prediction'] as const;

/**
 * Fields sent verbatim to an OpenAI-compatible upstream. Elsewhere, a value other than the
 * default is refused by name, except the hints (they change no output).
 */
const PASSED_FIELDS = [
  'frequency_penalty',
  'presence_penalty',
  'seed',
  'logit_bias',
  'verbosity',
  ...HINTS,
] as const satisfies readonly (keyof ChatCompletionRequest)[];

type PassedField = (typeof PASSED_FIELDS)[number];

const isHint = (field: PassedField): boolean => (HINTS as readonly string[]).includes(field);

/** The value that asks for nothing, where it is not null (OpenAI's documented defaults). */
const DEFAULTS: Partial<Record<PassedField, unknown>> = {
  frequency_penalty: 0,
  presence_penalty: 0,
  verbosity: 'medium',
};

const isDefault = (field: PassedField, value: unknown) => isEmptyValue(value) || DEFAULTS[field] === value;

/** Throws a 400 naming the first field of the request that the routed model cannot honour. */
export function assertChatRequestHonoured(body: ChatCompletionRequest, model: ChatModel): void {
  assertParleyHonours(body);
  if (model.capabilities?.sampling === false) {
    for (const field of ['temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'stop'] as const) {
      if (!isEmptyValue(body[field])) throw refuseForProvider(field, model, 'it chooses its own sampling');
    }
  }
  const tools = body.tools ?? [];
  if (tools.length > 0 && model.capabilities?.tools !== true) throw refuseForProvider('tools', model);
  if (usesFunctions(body) && model.capabilities?.tools !== true) throw refuseForProvider('functions', model);
  if (
    body.response_format !== undefined &&
    body.response_format.type !== 'text' &&
    model.capabilities?.responseFormat !== true
  ) {
    throw refuseForProvider('response_format', model);
  }
  // A tool or function message's name is the function's, not a participant's.
  const named = body.messages.findIndex(
    (message) => message.name !== undefined && message.role !== 'tool' && message.role !== 'function',
  );
  if (named !== -1 && model.capabilities?.participantNames !== true) {
    throw refuseForProvider(`messages[${named}].name`, model, 'participant names do not reach it');
  }
  if (body.logprobs === true && model.capabilities?.logprobs !== true) {
    throw refuseForProvider('logprobs', model, 'it does not give log probabilities');
  }
  if (body.reasoning_effort != null) {
    reasoningEffort(body.reasoning_effort, 'reasoning_effort');
    if (model.capabilities?.reasoning !== true) throw refuseForProvider('reasoning_effort', model);
  }
  if (model.capabilities?.openaiFields === true) return;
  for (const field of PASSED_FIELDS) {
    if (isHint(field) || isDefault(field, body[field])) continue;
    throw refuseForProvider(field, model);
  }
}

/** What Parley cannot carry back to the client yet, whatever the provider. */
function assertParleyHonours(body: ChatCompletionRequest): void {
  if (body.top_logprobs != null && body.top_logprobs !== 0 && body.logprobs !== true) {
    throw badRequest("'top_logprobs' needs 'logprobs' set to true.", 'top_logprobs');
  }
  if (body.modalities?.includes('audio') === true || !isEmptyValue(body.audio)) {
    throw refuseEverywhere(
      body.modalities?.includes('audio') === true ? 'modalities' : 'audio',
      'it answers in text only',
    );
  }
  assertFunctionsRequest(body);
  if (body.web_search_options != null) {
    throw refuseEverywhere('web_search_options', 'web search is a tool OpenAI hosts');
  }
  if (!isEmptyValue(body.moderation)) {
    throw refuseEverywhere('moderation', 'it does not run moderation models');
  }
  body.tools?.forEach((tool, index) => {
    if (tool.type !== 'function' || tool.function === undefined) {
      throw badRequest(
        `Tool type '${tool.type}' at tools[${index}] is not supported by Parley: it serves function tools.`,
        `tools[${index}].type`,
      );
    }
  });
  const choice = body.tool_choice;
  if (isEmptyValue(body.tools) && choice !== undefined && choice !== 'auto' && choice !== 'none') {
    throw badRequest("'tool_choice' asks for a tool call, but 'tools' is empty.", 'tool_choice');
  }
  if (typeof choice === 'object' && (choice.type !== 'function' || choice.function === undefined)) {
    throw badRequest(
      `tool_choice of type '${choice.type}' is not supported by Parley: name a function or use auto, none or required.`,
      'tool_choice',
    );
  }
}

/** One content part as a prompt part: text, an image, file or audio (user), a refusal (assistant). */
function toPart(part: Readonly<Record<string, unknown>>, role: string, at: string): PromptPart {
  const field = (name: string) =>
    (typeof part[name] === 'object' && part[name] !== null ? part[name] : {}) as Record<string, unknown>;
  if (part.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
  if (part.type === 'refusal' && role === 'assistant' && typeof part.refusal === 'string') {
    return { type: 'text', text: part.refusal };
  }
  if (part.type === 'image_url' && role === 'user') {
    const image = field('image_url');
    return { type: 'image', ...imageSource(image.url, `${at}.image_url.url`), ...imageDetail(image.detail) };
  }
  if (part.type === 'file' && role === 'user') {
    const file = field('file');
    const { mediaType, data } = fileBytes(file, `${at}.file`);
    const filename = typeof file.filename === 'string' && file.filename !== '' ? file.filename : 'file';
    return { type: 'file', mediaType, data, filename };
  }
  if (part.type === 'input_audio' && role === 'user') {
    return { type: 'audio', ...audioBytes(part.input_audio, `${at}.input_audio`) };
  }
  throw badRequest(
    `Content part '${String(part.type)}' at ${at} is not supported by Parley${role === 'user' ? '' : ` in a ${role} message`}: it reads text, image_url, input_audio and file parts.`,
    at,
  );
}

/** A message's text, and all its parts when it holds more than text. */
function contentOf(
  content: ChatMessageBody['content'],
  role: string,
  at: string,
): { content: string; parts?: PromptPart[] } {
  if (content === undefined || content === null) return { content: '' };
  if (typeof content === 'string') return { content };
  const parts = content.map((part, index) => toPart(part, role, `${at}.content[${index}]`));
  const text = parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
  return parts.every((part) => part.type === 'text') ? { content: text } : { content: text, parts };
}

/** OpenAI's messages as the provider spec's prompt (developer → system, tool calls kept). */
export function toChatPrompt(messages: readonly ChatMessageBody[]): PromptMessage[] {
  const legacyCallIds = functionCallIds(messages);
  return messages.map((message, index): PromptMessage => {
    const at = `messages[${index}]`;
    if (!isEmptyValue(message.audio)) throw refuseEverywhere(`${at}.audio`, 'it answers in text only');
    const { content, parts } = contentOf(message.content, message.role, at);
    const reasoning = reasoningPartsOf(message, at);
    // A deprecated function result: the tool result of the call it answers.
    const legacyCallId = legacyCallIds.get(index);
    if (message.role === 'function') return { role: 'tool', content, toolCallId: legacyCallId ?? '' };
    if (message.role === 'tool') {
      if (message.tool_call_id === undefined) {
        throw badRequest(`Missing required parameter: '${at}.tool_call_id'.`, `${at}.tool_call_id`);
      }
      // A tool message's name repeats the called function's (LangChain sends it): nothing to carry.
      return { role: 'tool', content, toolCallId: message.tool_call_id };
    }
    const named = message.name === undefined ? {} : { name: message.name };
    if (message.role === 'assistant') {
      const toolCalls = (message.tool_calls ?? []).map((call) => ({
        id: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
      }));
      if (message.function_call != null && legacyCallId !== undefined) {
        toolCalls.push({ id: legacyCallId, ...message.function_call });
      }
      const text = content === '' && message.refusal != null ? message.refusal : content;
      return {
        role: 'assistant',
        content: text,
        ...named,
        // Reasoning first, as the model gave it, then the answer's text.
        ...(reasoning.length === 0
          ? {}
          : { parts: [...reasoning, ...(text === '' ? [] : [{ type: 'text' as const, text }])] }),
        ...(toolCalls.length === 0 ? {} : { toolCalls }),
      };
    }
    if (message.content === undefined) {
      throw badRequest(`Missing required parameter: '${at}.content'.`, `${at}.content`);
    }
    return {
      role: message.role === 'developer' ? 'system' : message.role,
      content,
      ...named,
      ...(parts === undefined ? {} : { parts }),
    };
  });
}

/** The call options of a request: Parley's own fields mapped, OpenAI's others kept for the upstream. */
export function toChatCallOptions(body: ChatCompletionRequest): Omit<CallOptions, 'signal' | 'onAttempt'> {
  const maxOutputTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const format = body.response_format;
  const tools = body.tools ?? [];
  const legacy = functionsAsTools(body);
  const passed = Object.fromEntries(
    PASSED_FIELDS.filter((field) => body[field] != null).map((field) => [field, body[field]]),
  );
  return {
    ...(body.reasoning_effort == null
      ? {}
      : { reasoning: { effort: reasoningEffort(body.reasoning_effort, 'reasoning_effort') } }),
    // Without tools there is nothing to call in parallel (and OpenAI refuses the field alone).
    ...(body.parallel_tool_calls == null || tools.length === 0
      ? {}
      : { parallelToolCalls: body.parallel_tool_calls }),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    ...(body.temperature == null ? {} : { temperature: body.temperature }),
    ...(body.top_p == null ? {} : { topP: body.top_p }),
    ...(body.stop == null ? {} : { stop: typeof body.stop === 'string' ? [body.stop] : body.stop }),
    ...(tools.length === 0
      ? {}
      : {
          tools: tools.flatMap((tool) =>
            tool.function === undefined
              ? []
              : [
                  {
                    name: tool.function.name,
                    ...(tool.function.description === undefined
                      ? {}
                      : { description: tool.function.description }),
                    ...(tool.function.parameters === undefined
                      ? {}
                      : { parameters: tool.function.parameters }),
                    ...(tool.function.strict == null ? {} : { strict: tool.function.strict }),
                  },
                ],
          ),
        }),
    ...(body.tool_choice === undefined || tools.length === 0
      ? {}
      : {
          toolChoice:
            typeof body.tool_choice === 'string'
              ? body.tool_choice
              : { name: body.tool_choice.function?.name ?? '' },
        }),
    ...legacy,
    ...(format === undefined || format.type === 'text' ? {} : { responseFormat: toResponseFormat(format) }),
    ...(body.logprobs === true ? { logprobs: { topLogprobs: body.top_logprobs ?? 0 } } : {}),
    ...(Object.keys(passed).length === 0 ? {} : { openaiFields: passed }),
  };
}

function toResponseFormat(format: Type.Static<typeof ResponseFormatSchema>): ResponseFormat {
  if (format.type !== 'json_schema') return { type: format.type };
  const { name, schema, description, strict } = format.json_schema;
  return {
    type: 'json_schema',
    name,
    ...(schema === undefined ? {} : { schema }),
    ...(description === undefined ? {} : { description }),
    ...(strict == null ? {} : { strict }),
  };
}
