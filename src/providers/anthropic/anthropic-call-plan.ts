/**
 * One call to the Messages API planned from the prompt and the options: the messages in
 * Anthropic's shape, the thinking and `max_tokens` asked for, and every refusal Anthropic would
 * make of them, thrown before any upstream call. `checkAnthropicCall` runs the same plan without
 * encoding the prompt's bytes, so the core can refuse a call before it stores anything.
 */

import type { CallOptions, PromptMessage, PromptPart } from '../spec.ts';
import {
  assertThinkingAllows,
  canThinkAfter,
  type ThinkingRequest,
  thinkingRequest,
} from './anthropic-reasoning.ts';
import { type AnthropicPrompt, convertToAnthropicMessages } from './convert-to-anthropic-messages.ts';

/** Anthropic requires `max_tokens`; this is used when the request sets no output limit. */
export const DEFAULT_MAX_TOKENS = 4_096;

export type AnthropicCallPlan = AnthropicPrompt & ThinkingRequest;

/** The call's messages, thinking and `max_tokens`; throws a `ProviderError` for what Anthropic refuses. */
export function planAnthropicCall(prompt: readonly PromptMessage[], options: CallOptions): AnthropicCallPlan {
  const converted = convertToAnthropicMessages(prompt);
  const request = thinkingRequest(
    canThinkAfter(converted.messages) ? options.reasoning?.effort : undefined,
    options.maxOutputTokens,
    DEFAULT_MAX_TOKENS,
  );
  if (request.thinking !== undefined) assertThinkingAllows(options);
  return { ...converted, ...request };
}

/** Throws what `planAnthropicCall` would, without base64-encoding images and files. */
export function checkAnthropicCall(prompt: readonly PromptMessage[], options: CallOptions): void {
  planAnthropicCall(prompt.map(withoutBytes), options);
}

const NO_BYTES = new Uint8Array(0);

/** The message with its parts' bytes left out: the refusals depend on kinds and order, not on bytes. */
function withoutBytes(message: PromptMessage): PromptMessage {
  if (message.parts === undefined) return message;
  const parts = message.parts.map(
    (part): PromptPart => ('data' in part ? { ...part, data: NO_BYTES } : part),
  );
  return { ...message, parts };
}
