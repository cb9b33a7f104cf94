/**
 * Reasoning on `/v1/chat/completions`, in the field OpenAI's own API lacks but DeepSeek's, vLLM's
 * and the clients built for them (the AI SDK's openai-compatible provider, LangChain's
 * ChatDeepSeek) read: `reasoning_content` on a choice's `message` (whole) and `delta` (streamed),
 * and on an assistant message sent back in the history. Clients that do not know the field ignore
 * it. Only the text travels: a provider's opaque payload (Anthropic's thinking signature) has no
 * place here, so Anthropic's thinking sent back this way is not passed on.
 */

import { badRequest } from '../../errors.ts';
import type { PromptPart, ReasoningPart } from '../../providers/spec.ts';

/** A whole answer's `reasoning_content`: its reasoning texts as they streamed; absent when none. */
export function reasoningContentOf(reasoning: readonly ReasoningPart[] | undefined): {
  reasoning_content?: string;
} {
  const text = (reasoning ?? []).map((part) => part.text).join('');
  return text === '' ? {} : { reasoning_content: text };
}

/**
 * An assistant message's `reasoning_content` as the reasoning part the provider gets back (an
 * OpenAI-compatible upstream such as DeepSeek wants it with a tool call); on any other role, a 400.
 */
export function reasoningPartsOf(
  message: { readonly role: string; readonly reasoning_content?: string | null | undefined },
  at: string,
): PromptPart[] {
  const text = message.reasoning_content;
  if (text === undefined || text === null || text === '') return [];
  if (message.role !== 'assistant') {
    throw badRequest(
      `'${at}.reasoning_content' is only read on an assistant message: it is the model's own reasoning.`,
      `${at}.reasoning_content`,
    );
  }
  return [{ type: 'reasoning', text }];
}
