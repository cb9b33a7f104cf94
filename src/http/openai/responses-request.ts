/**
 * The request of `POST /v1/responses`: OpenAI's whole schema (openai-node's
 * `ResponseCreateParams`) is accepted; every field is honoured (mapped to call options, or passed
 * to an OpenAI-compatible upstream), accepted as a hint, or refused by name with the provider's
 * name. The settings actually used are kept for the Response object.
 */

import { Type } from 'typebox';
import { badRequest } from '../../errors.ts';
import type { CallOptions, ChatModel, ResponseFormat, ToolChoice } from '../../providers/spec.ts';
import { InputItem } from './input-items.ts';
import {
  HINT_FIELDS,
  isEmptyValue,
  reasoningEffort,
  refuseEverywhere,
  refuseForProvider,
} from './provider-support.ts';
import { LOGPROBS_INCLUDE } from './response-logprobs.ts';
import { MetadataSchema, Nullable } from './responses-schemas.ts';

const Loose = Type.Object({}, { additionalProperties: true });

const TextFormat = Type.Union([
  Type.Object({ type: Type.Literal('text') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('json_object') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('json_schema'),
      name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9_-]+$' }),
      schema: Type.Record(Type.String(), Type.Unknown()),
      description: Type.Optional(Type.String()),
      strict: Type.Optional(Nullable(Type.Boolean())),
    },
    { additionalProperties: false },
  ),
]);

const Effort = Type.String({ maxLength: 32 });

export const CreateResponseBody = Type.Object(
  {
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    input: Type.Optional(Type.Union([Type.String(), Type.Array(InputItem, { maxItems: 1000 })])),
    instructions: Type.Optional(Nullable(Type.String())),
    previous_response_id: Type.Optional(Nullable(Type.String())),
    conversation: Type.Optional(
      Type.Union([
        Type.String(),
        Type.Object({ id: Type.String() }, { additionalProperties: false }),
        Type.Null(),
      ]),
    ),
    store: Type.Optional(Nullable(Type.Boolean())),
    stream: Type.Optional(Nullable(Type.Boolean())),
    stream_options: Type.Optional(
      Nullable(
        Type.Object({ include_obfuscation: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      ),
    ),
    background: Type.Optional(Nullable(Type.Boolean())),
    max_output_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    max_tool_calls: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
    temperature: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 2 }))),
    top_p: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1 }))),
    top_logprobs: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 20 }))),
    metadata: Type.Optional(Nullable(MetadataSchema)),
    user: Type.Optional(Type.String({ maxLength: 256 })),
    safety_identifier: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
    prompt_cache_key: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
    prompt_cache_retention: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
    prompt_cache_options: Type.Optional(Nullable(Loose)),
    service_tier: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
    include: Type.Optional(Nullable(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20 }))),
    parallel_tool_calls: Type.Optional(Nullable(Type.Boolean())),
    tools: Type.Optional(Type.Array(Type.Object({ type: Type.String() }), { maxItems: 128 })),
    tool_choice: Type.Optional(
      Nullable(Type.Union([Type.String({ maxLength: 32 }), Type.Object({ type: Type.String() })])),
    ),
    text: Type.Optional(
      Nullable(
        Type.Object(
          {
            format: Type.Optional(Nullable(TextFormat)),
            verbosity: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    reasoning: Type.Optional(
      Nullable(
        Type.Object(
          {
            effort: Type.Optional(Nullable(Effort)),
            summary: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
            generate_summary: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
            context: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
            mode: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    truncation: Type.Optional(Nullable(Type.Union([Type.Literal('auto'), Type.Literal('disabled')]))),
    prompt: Type.Optional(Nullable(Loose)),
    context_management: Type.Optional(Nullable(Type.Array(Loose))),
    moderation: Type.Optional(Nullable(Loose)),
    image: Type.Optional(
      Nullable(
        Type.Object(
          {
            context_compression: Type.Optional(
              Nullable(Type.Union([Type.Literal('auto'), Type.Literal('enabled'), Type.Literal('disabled')])),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    access_programs: Type.Optional(Nullable(Loose)),
  },
  { additionalProperties: false },
);

export type CreateResponseRequest = Type.Static<typeof CreateResponseBody>;
type TextFormatBody = Type.Static<typeof TextFormat>;

/** A function tool as a Response object reports it. */
export interface FunctionToolSetting {
  readonly type: 'function';
  readonly name: string;
  readonly description: string | null;
  readonly parameters: Readonly<Record<string, unknown>> | null;
  readonly strict: boolean;
}

/** The settings a Response object reports: what was actually used for this answer. */
export interface ResponseSettings {
  readonly text: { readonly format: TextFormatBody; readonly verbosity: string };
  readonly reasoning: { readonly effort: string | null; readonly summary: string | null };
  readonly tools: readonly FunctionToolSetting[];
  readonly tool_choice: string | { readonly type: 'function'; readonly name: string };
  readonly parallel_tool_calls: boolean;
  readonly max_tool_calls: number | null;
  readonly truncation: 'auto' | 'disabled';
  readonly service_tier: string;
  readonly top_logprobs: number;
  readonly prompt_cache_key: string | null;
  readonly safety_identifier: string | null;
}

/** The settings of an answer written by another surface (`/ask`, native): Parley's defaults. */
export const DEFAULT_SETTINGS: ResponseSettings = {
  text: { format: { type: 'text' }, verbosity: 'medium' },
  reasoning: { effort: null, summary: null },
  tools: [],
  tool_choice: 'auto',
  parallel_tool_calls: true,
  max_tool_calls: null,
  // Parley fits a long conversation to the model's window by leaving out its oldest messages.
  truncation: 'auto',
  service_tier: 'default',
  top_logprobs: 0,
  prompt_cache_key: null,
  safety_identifier: null,
};

/** The reasoning summaries OpenAI defines; Parley's is the reasoning text the provider gives. */
const SUMMARIES: readonly string[] = ['auto', 'concise', 'detailed'];

/** `reasoning.summary`, or its deprecated name `generate_summary`. */
const summaryOf = (body: CreateResponseRequest) =>
  body.reasoning?.summary ?? body.reasoning?.generate_summary;

/** Tool types OpenAI hosts itself. */
const HOSTED_TOOLS = new Set([
  'web_search',
  'web_search_preview',
  'web_search_2025_08_26',
  'web_search_preview_2025_03_11',
  'file_search',
  'code_interpreter',
  'computer',
  'computer_use_preview',
  'image_generation',
  'mcp',
  'local_shell',
  'shell',
  'apply_patch',
  'tool_search',
]);

/**
 * OpenAI's `include` values (openai-node's `ResponseIncludable`). Parley honours the reasoning
 * payload and log probabilities; input image URLs are always listed; the rest name outputs of
 * tools OpenAI hosts, which are refused where a request asks for them. Any other value is a 400.
 */
const INCLUDABLE: readonly string[] = [
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
  'reasoning.encrypted_content',
  'message.output_text.logprobs',
];

const FUNCTION_TOOL_KEYS = new Set(['type', 'name', 'description', 'parameters', 'strict']);

/**
 * The request's function tools, checked by hand (OpenAI's defaults filled in: `strict` is true
 * unless set); a tool of another type is refused by name (those OpenAI hosts, or custom tools).
 */
export function functionTools(body: CreateResponseRequest): FunctionToolSetting[] {
  return (body.tools ?? []).map((tool, index) => {
    const at = `tools[${index}]`;
    if (tool.type !== 'function') {
      throw refuseEverywhere(
        at,
        HOSTED_TOOLS.has(tool.type)
          ? `'${tool.type}' is a tool OpenAI hosts`
          : `tools of type '${tool.type}' are not served; send function tools`,
      );
    }
    const fields = tool as Readonly<Record<string, unknown>>;
    const unknown = Object.keys(fields).find((key) => !FUNCTION_TOOL_KEYS.has(key));
    if (unknown !== undefined) throw badRequest(`Unknown parameter: '${at}.${unknown}'.`, `${at}.${unknown}`);
    const { name, description, parameters, strict } = fields;
    if (typeof name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
      throw badRequest(
        `Invalid value for '${at}.name': expected 1 to 64 letters, digits, _ or -.`,
        `${at}.name`,
      );
    }
    const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
    if (parameters != null && !isObject(parameters)) {
      throw badRequest(
        `Invalid value for '${at}.parameters': expected a JSON Schema object.`,
        `${at}.parameters`,
      );
    }
    return {
      type: 'function',
      name,
      description: typeof description === 'string' ? description : null,
      parameters: parameters == null ? null : (parameters as Readonly<Record<string, unknown>>),
      strict: strict !== false,
    };
  });
}

/** Throws a 400 naming the first field Parley cannot honour, whatever the provider. */
export function assertResponsesRequestServed(body: CreateResponseRequest): void {
  if (!isEmptyValue(body.prompt)) {
    throw refuseEverywhere(
      'prompt',
      'prompt templates live on OpenAI’s platform; send instructions and input',
    );
  }
  const tools = functionTools(body);
  const choice = body.tool_choice;
  if (typeof choice === 'object' && choice !== null) {
    const name = (choice as { name?: unknown }).name;
    if (choice.type !== 'function' || typeof name !== 'string') {
      throw refuseEverywhere(
        'tool_choice',
        `a tool_choice of type '${choice.type}' names a tool Parley does not serve`,
      );
    }
    if (!tools.some((tool) => tool.name === name)) {
      throw badRequest(`'tool_choice' names the function '${name}', which is not in 'tools'.`, 'tool_choice');
    }
  } else if (choice != null && !['auto', 'none', 'required'].includes(choice)) {
    throw badRequest(
      `Invalid value for 'tool_choice': expected one of 'auto', 'none', 'required' or an object.`,
      'tool_choice',
    );
  }
  if (tools.length === 0 && choice != null && choice !== 'auto' && choice !== 'none') {
    throw badRequest("'tool_choice' asks for a tool call, but 'tools' is empty.", 'tool_choice');
  }
  for (const [index, value] of (body.include ?? []).entries()) {
    if (!INCLUDABLE.includes(value)) {
      throw badRequest(
        `Invalid value for 'include[${index}]': '${value}'. Supported values are: ${INCLUDABLE.map((each) => `'${each}'`).join(', ')}.`,
        `include[${index}]`,
      );
    }
  }
  for (const field of ['context_management', 'moderation', 'access_programs'] as const) {
    if (!isEmptyValue(body[field])) throw refuseEverywhere(field, 'it is an OpenAI platform feature');
  }
  // OpenAI may compress the images a long context holds; Parley sends each as it was given, so
  // `auto` and `disabled` are what it does, and only `enabled` asks for what it cannot do.
  if (body.image?.context_compression === 'enabled') {
    throw refuseEverywhere(
      'image.context_compression',
      'it sends images to the provider as they were given and never compresses them in the context',
    );
  }
  const reasoning = body.reasoning ?? {};
  const summaryField = reasoning.summary == null ? 'reasoning.generate_summary' : 'reasoning.summary';
  const summary = reasoning.summary ?? reasoning.generate_summary;
  if (summary != null && !SUMMARIES.includes(summary)) {
    throw badRequest(
      `Invalid value for '${summaryField}': expected one of 'auto', 'concise', 'detailed'.`,
      summaryField,
    );
  }
  if (reasoning.mode != null && reasoning.mode !== 'standard') {
    throw refuseEverywhere('reasoning.mode', `the '${reasoning.mode}' mode is an OpenAI platform feature`);
  }
  // A background response that is not streamed is only ever read back from the store.
  const logprobsField = logprobsAskedBy(body);
  if (logprobsField !== undefined && body.background === true && body.stream !== true) {
    throw refuseEverywhere(
      logprobsField,
      'log probabilities are not stored, and a background response is read from the store; stream it to get them',
    );
  }
}

/** Throws a 400 naming the first field the routed model's provider cannot honour. */
export function assertResponsesRequestHonoured(body: CreateResponseRequest, model: ChatModel): void {
  // A summary is the reasoning the provider gives, so only a provider that gives reasoning has one.
  if (summaryOf(body) != null && model.capabilities?.reasoning !== true) {
    throw refuseForProvider(
      body.reasoning?.summary == null ? 'reasoning.generate_summary' : 'reasoning.summary',
      model,
    );
  }
  if (model.capabilities?.sampling === false) {
    for (const field of ['temperature', 'top_p', 'max_output_tokens'] as const) {
      if (body[field] != null) throw refuseForProvider(field, model, 'it chooses its own sampling');
    }
  }
  if ((body.tools ?? []).length > 0 && model.capabilities?.tools !== true)
    throw refuseForProvider('tools', model);
  const format = body.text?.format;
  if (format != null && format.type !== 'text' && model.capabilities?.responseFormat !== true) {
    throw refuseForProvider('text.format', model);
  }
  const effort = body.reasoning?.effort;
  if (effort != null) {
    reasoningEffort(effort, 'reasoning.effort');
    if (model.capabilities?.reasoning !== true) throw refuseForProvider('reasoning.effort', model);
  }
  const logprobsField = logprobsAskedBy(body);
  if (logprobsField !== undefined && model.capabilities?.logprobs !== true) {
    throw refuseForProvider(logprobsField, model, 'it does not give log probabilities');
  }
  if (model.capabilities?.openaiFields === true) return;
  const verbosity = body.text?.verbosity;
  if (verbosity != null && verbosity !== 'medium') throw refuseForProvider('text.verbosity', model);
}

/**
 * The field that asks for the answer's log probabilities, if any: `include` with
 * `message.output_text.logprobs`, or a `top_logprobs` above 0 (alternatives come with them).
 */
function logprobsAskedBy(body: CreateResponseRequest): string | undefined {
  const index = (body.include ?? []).indexOf(LOGPROBS_INCLUDE);
  if (index >= 0) return `include[${index}]`;
  return body.top_logprobs != null && body.top_logprobs > 0 ? 'top_logprobs' : undefined;
}

/** The call options of a request (mapped, and kept for an OpenAI-compatible upstream). */
export function toResponsesCallOptions(
  body: CreateResponseRequest,
): Omit<CallOptions, 'signal' | 'onAttempt'> {
  const format = body.text?.format;
  const passed: Record<string, unknown> = Object.fromEntries(
    HINT_FIELDS.filter((field) => body[field] != null).map((field) => [field, body[field]]),
  );
  const effort = body.reasoning?.effort;
  const tools = functionTools(body);
  const choice = body.tool_choice;
  const verbosity = body.text?.verbosity;
  if (verbosity != null) passed.verbosity = verbosity;
  return {
    ...(effort == null ? {} : { reasoning: { effort: reasoningEffort(effort, 'reasoning.effort') } }),
    ...(tools.length === 0 || body.parallel_tool_calls == null
      ? {}
      : { parallelToolCalls: body.parallel_tool_calls }),
    ...(body.max_output_tokens == null ? {} : { maxOutputTokens: body.max_output_tokens }),
    ...(body.temperature == null ? {} : { temperature: body.temperature }),
    ...(body.top_p == null ? {} : { topP: body.top_p }),
    ...(logprobsAskedBy(body) === undefined ? {} : { logprobs: { topLogprobs: body.top_logprobs ?? 0 } }),
    ...(format == null || format.type === 'text' ? {} : { responseFormat: toResponseFormat(format) }),
    ...(tools.length === 0
      ? {}
      : {
          tools: tools.map((tool) => ({
            name: tool.name,
            ...(tool.description === null ? {} : { description: tool.description }),
            ...(tool.parameters === null ? {} : { parameters: tool.parameters }),
            strict: tool.strict,
          })),
          ...(choice == null
            ? {}
            : {
                toolChoice:
                  typeof choice === 'string'
                    ? (choice as ToolChoice)
                    : { name: String((choice as { name?: unknown }).name) },
              }),
        }),
    ...(Object.keys(passed).length === 0 ? {} : { openaiFields: passed }),
  };
}

function toResponseFormat(format: Exclude<TextFormatBody, { type: 'text' }>): ResponseFormat {
  if (format.type === 'json_object') return { type: 'json_object' };
  return {
    type: 'json_schema',
    name: format.name,
    schema: format.schema,
    ...(format.description === undefined ? {} : { description: format.description }),
    ...(format.strict == null ? {} : { strict: format.strict }),
  };
}

/** The settings used for this request, as its Response object reports them. */
export function toResponseSettings(body: CreateResponseRequest): ResponseSettings {
  return {
    text: {
      format: body.text?.format ?? DEFAULT_SETTINGS.text.format,
      verbosity: body.text?.verbosity ?? DEFAULT_SETTINGS.text.verbosity,
    },
    reasoning: { effort: body.reasoning?.effort ?? null, summary: summaryOf(body) ?? null },
    tools: functionTools(body),
    tool_choice:
      typeof body.tool_choice === 'string'
        ? body.tool_choice
        : body.tool_choice == null
          ? DEFAULT_SETTINGS.tool_choice
          : { type: 'function', name: String((body.tool_choice as { name?: unknown }).name) },
    parallel_tool_calls: body.parallel_tool_calls ?? DEFAULT_SETTINGS.parallel_tool_calls,
    max_tool_calls: body.max_tool_calls ?? null,
    truncation: body.truncation ?? DEFAULT_SETTINGS.truncation,
    service_tier: body.service_tier ?? DEFAULT_SETTINGS.service_tier,
    top_logprobs: body.top_logprobs ?? 0,
    prompt_cache_key: body.prompt_cache_key ?? null,
    safety_identifier: body.safety_identifier ?? null,
  };
}
