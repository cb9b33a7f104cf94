/**
 * A stored response is an assistant message of the conversation tree. Its request's options are
 * kept on the message (`requestOptions`, written once) and the Response object is rendered from
 * the two.
 */

import { CANCELLED_FINISH_REASON } from '../../conversations/turn.ts';
import type { MessageRecord, Metadata } from '../../store/store.ts';
import { toMessageItem } from './input-items.ts';
import { toPublicId } from './openai-ids.ts';
import { reasoningItems, reasoningView } from './reasoning-items.ts';
import { DEFAULT_SETTINGS, type ResponseSettings } from './responses-request.ts';

/** What a `/v1/responses` request set, stored as JSON on its answer. */
export interface ResponseOptions {
  readonly instructions: string | null;
  readonly metadata: Metadata;
  readonly temperature: number | null;
  readonly top_p: number | null;
  readonly max_output_tokens: number | null;
  readonly previous_response_id: string | null;
  /** The public conversation id, when the request named one. */
  readonly conversation: string | null;
  /** How many input messages this request wrote before the answer. */
  readonly input_count: number;
  readonly user: string | null;
  /** The settings used for the answer (text format, reasoning, tools, truncation, hints). */
  readonly settings: ResponseSettings;
  /** True when the request ran it in the background (`background: true`). */
  readonly background: boolean;
  /** The outputs the request asked to include (e.g. `reasoning.encrypted_content`). */
  readonly include: readonly string[];
}

/** The options of an answer written by `/ask` (or another surface): one input, nothing set. */
const DEFAULT_OPTIONS: ResponseOptions = {
  instructions: null,
  metadata: {},
  temperature: null,
  top_p: null,
  max_output_tokens: null,
  previous_response_id: null,
  conversation: null,
  input_count: 1,
  user: null,
  settings: DEFAULT_SETTINGS,
  background: false,
  include: [],
};

export function readResponseOptions(message: MessageRecord): ResponseOptions {
  if (message.requestOptions === null) return DEFAULT_OPTIONS;
  return { ...DEFAULT_OPTIONS, ...(message.requestOptions as Partial<ResponseOptions>) };
}

type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled';

function statusOf(message: MessageRecord): {
  status: ResponseStatus;
  incompleteReason: string | null;
  error: { code: string; message: string } | null;
} {
  if (message.status === 'in_progress' || message.status === 'completed') {
    return { status: message.status, incompleteReason: null, error: null };
  }
  if (message.finishReason === CANCELLED_FINISH_REASON)
    return { status: 'cancelled', incompleteReason: null, error: null };
  if (message.finishReason === 'length')
    return { status: 'incomplete', incompleteReason: 'max_output_tokens', error: null };
  if (message.finishReason === 'content-filter') {
    return { status: 'incomplete', incompleteReason: 'content_filter', error: null };
  }
  return {
    status: 'failed',
    incompleteReason: null,
    error: { code: 'server_error', message: message.error ?? 'failed' },
  };
}

/** The Response object for an answer (in any state). */
export function toResponseObject(
  message: MessageRecord,
  options: ResponseOptions = readResponseOptions(message),
) {
  const { status, incompleteReason, error } = statusOf(message);
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const calls = functionCallItems(message);
  const reasoning = reasoningItems(message, reasoningView(settings.reasoning.summary, options.include));
  const hasOutput = message.status !== 'in_progress' || message.content !== '';
  const item = { ...toMessageItem(message), role: 'assistant' as const };
  const usage =
    message.inputTokens === null && message.outputTokens === null
      ? null
      : {
          input_tokens: message.inputTokens ?? 0,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: message.outputTokens ?? 0,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: (message.inputTokens ?? 0) + (message.outputTokens ?? 0),
        };
  return {
    id: toPublicId('resp_', message.id),
    object: 'response' as const,
    created_at: Math.floor(message.createdAt / 1000),
    status,
    completed_at: status === 'completed' ? Math.floor(message.updatedAt / 1000) : null,
    error,
    incomplete_details: incompleteReason === null ? null : { reason: incompleteReason },
    instructions: options.instructions,
    max_output_tokens: options.max_output_tokens,
    max_tool_calls: settings.max_tool_calls,
    model: message.model ?? '',
    output: [
      ...reasoning,
      ...(hasOutput && (message.content !== '' || calls.length === 0) ? [item] : []),
      ...calls,
    ],
    parallel_tool_calls: settings.parallel_tool_calls,
    previous_response_id: options.previous_response_id,
    conversation: options.conversation === null ? null : { id: options.conversation },
    reasoning: settings.reasoning,
    background: options.background,
    service_tier: settings.service_tier,
    store: true,
    temperature: options.temperature,
    text: settings.text,
    tool_choice: settings.tool_choice,
    tools: settings.tools,
    top_logprobs: settings.top_logprobs,
    top_p: options.top_p,
    truncation: settings.truncation,
    prompt_cache_key: settings.prompt_cache_key,
    safety_identifier: settings.safety_identifier,
    usage,
    user: options.user,
    metadata: options.metadata,
  };
}

export type ResponseObject = ReturnType<typeof toResponseObject>;

/** The id of an answer's `index`th function call item: `fc_` + the answer's hex + the index. */
export function functionCallItemId(answerId: string, index: number): string {
  return `fc_${toPublicId('msg_', answerId).slice('msg_'.length)}${index.toString(16).padStart(2, '0')}`;
}

/** The answer's tool calls as OpenAI's `function_call` output items. */
export function functionCallItems(message: MessageRecord) {
  return message.parts
    .flatMap((part) => (part.type === 'tool-call' ? [part] : []))
    .map((call, index) => ({
      type: 'function_call' as const,
      id: functionCallItemId(message.id, index),
      call_id: call.callId,
      name: call.name,
      arguments: call.arguments,
      status: 'completed' as const,
    }));
}
