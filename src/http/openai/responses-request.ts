/**
 * The request of `POST /v1/responses`: OpenAI's whole schema (openai-node's
 * `ResponseCreateParams`) is accepted; every field is honoured (mapped to call options, or passed
 * to an OpenAI-compatible upstream), accepted as a hint, or refused by name with the provider's
 * name. The settings actually used are kept for the Response object.
 */

import { Type } from 'typebox';
import { badRequest } from '../../errors.ts';
import type { CallOptions, ChatModel, ResponseFormat } from '../../providers/spec.ts';
import { InputItem } from './input-items.ts';
import {
  HINT_FIELDS,
  isEmptyValue,
  OPENAI_COMPATIBLE,
  refuseEverywhere,
  refuseForProvider,
  supportOf,
} from './provider-support.ts';
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
    image: Type.Optional(Nullable(Loose)),
    access_programs: Type.Optional(Nullable(Loose)),
  },
  { additionalProperties: false },
);

export type CreateResponseRequest = Type.Static<typeof CreateResponseBody>;
type TextFormatBody = Type.Static<typeof TextFormat>;

/** The settings a Response object reports: what was actually used for this answer. */
export interface ResponseSettings {
  readonly text: { readonly format: TextFormatBody; readonly verbosity: string };
  readonly reasoning: { readonly effort: string | null; readonly summary: string | null };
  readonly tool_choice: string;
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

/** Output Parley does not produce; asking to include it is a no-op only where nothing is lost. */
const REFUSED_INCLUDES: Readonly<Record<string, string>> = {
  'message.output_text.logprobs': 'it does not return log probabilities',
};

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

/** Throws a 400 naming the first field Parley cannot honour, whatever the provider. */
export function assertResponsesRequestServed(body: CreateResponseRequest): void {
  if (body.background === true) {
    throw refuseEverywhere('background', 'background responses are not served yet; stream instead');
  }
  if (!isEmptyValue(body.prompt)) {
    throw refuseEverywhere(
      'prompt',
      'prompt templates live on OpenAI’s platform; send instructions and input',
    );
  }
  body.tools?.forEach((tool, index) => {
    const why = HOSTED_TOOLS.has(tool.type)
      ? `'${tool.type}' is a tool OpenAI hosts`
      : `tools of type '${tool.type}' on /v1/responses are not served yet`;
    throw refuseEverywhere(`tools[${index}]`, why);
  });
  const choice = body.tool_choice;
  if (choice != null && choice !== 'auto' && choice !== 'none') {
    throw badRequest("'tool_choice' asks for a tool call, but 'tools' is empty.", 'tool_choice');
  }
  if (body.top_logprobs != null && body.top_logprobs !== 0) {
    throw refuseEverywhere('top_logprobs', 'it does not return log probabilities');
  }
  for (const [index, value] of (body.include ?? []).entries()) {
    const why = REFUSED_INCLUDES[value];
    if (why !== undefined) throw refuseEverywhere(`include[${index}]`, why);
  }
  for (const field of ['context_management', 'moderation', 'access_programs'] as const) {
    if (!isEmptyValue(body[field])) throw refuseEverywhere(field, 'it is an OpenAI platform feature');
  }
  const compression = (body.image as { context_compression?: unknown } | null | undefined)
    ?.context_compression;
  if (compression != null && compression !== 'auto') {
    throw refuseEverywhere('image.context_compression', 'Parley does not read images yet');
  }
  const reasoning = body.reasoning ?? {};
  const summary = reasoning.summary ?? reasoning.generate_summary;
  if (summary != null) {
    throw refuseEverywhere(
      reasoning.summary == null ? 'reasoning.generate_summary' : 'reasoning.summary',
      'it returns no reasoning items yet',
    );
  }
  if (reasoning.mode != null && reasoning.mode !== 'standard') {
    throw refuseEverywhere('reasoning.mode', `the '${reasoning.mode}' mode is an OpenAI platform feature`);
  }
}

/** Throws a 400 naming the first field the routed model's provider cannot honour. */
export function assertResponsesRequestHonoured(body: CreateResponseRequest, model: ChatModel): void {
  const support = supportOf(model);
  if (!support.sampling) {
    for (const field of ['temperature', 'top_p', 'max_output_tokens'] as const) {
      if (body[field] != null) throw refuseForProvider(field, model, 'it chooses its own sampling');
    }
  }
  const format = body.text?.format;
  if (format != null && format.type !== 'text' && model.capabilities?.responseFormat !== true) {
    throw refuseForProvider('text.format', model);
  }
  if (support.openaiFields) return;
  if (body.reasoning?.effort != null) throw refuseForProvider('reasoning.effort', model);
  const verbosity = body.text?.verbosity;
  if (verbosity != null && verbosity !== 'medium') throw refuseForProvider('text.verbosity', model);
}

/** The call options of a request (mapped, and kept for an OpenAI-compatible upstream). */
export function toResponsesCallOptions(
  body: CreateResponseRequest,
): Omit<CallOptions, 'signal' | 'onAttempt'> {
  const format = body.text?.format;
  const passed: Record<string, unknown> = Object.fromEntries(
    HINT_FIELDS.filter((field) => body[field] != null).map((field) => [field, body[field]]),
  );
  if (body.reasoning?.effort != null) passed.reasoning_effort = body.reasoning.effort;
  const verbosity = body.text?.verbosity;
  if (verbosity != null) passed.verbosity = verbosity;
  return {
    ...(body.max_output_tokens == null ? {} : { maxOutputTokens: body.max_output_tokens }),
    ...(body.temperature == null ? {} : { temperature: body.temperature }),
    ...(body.top_p == null ? {} : { topP: body.top_p }),
    ...(format == null || format.type === 'text' ? {} : { responseFormat: toResponseFormat(format) }),
    ...(Object.keys(passed).length === 0 ? {} : { providerOptions: { [OPENAI_COMPATIBLE]: passed } }),
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
    reasoning: { effort: body.reasoning?.effort ?? null, summary: null },
    tool_choice: typeof body.tool_choice === 'string' ? body.tool_choice : DEFAULT_SETTINGS.tool_choice,
    parallel_tool_calls: body.parallel_tool_calls ?? DEFAULT_SETTINGS.parallel_tool_calls,
    max_tool_calls: body.max_tool_calls ?? null,
    truncation: body.truncation ?? DEFAULT_SETTINGS.truncation,
    service_tier: body.service_tier ?? DEFAULT_SETTINGS.service_tier,
    top_logprobs: body.top_logprobs ?? 0,
    prompt_cache_key: body.prompt_cache_key ?? null,
    safety_identifier: body.safety_identifier ?? null,
  };
}
