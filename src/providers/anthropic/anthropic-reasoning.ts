/**
 * Extended thinking requested: a reasoning effort as Anthropic's `thinking: {type: 'enabled',
 * budget_tokens}`, what Anthropic refuses with it, and when a tool loop cannot think. The blocks
 * themselves travel as reasoning parts (`anthropic-thinking-payload.ts`).
 */

import { type CallOptions, ProviderError, type ReasoningEffort } from '../spec.ts';
import { PROVIDER } from './anthropic-error.ts';
import type { AnthropicMessage } from './convert-to-anthropic-messages.ts';

/** Anthropic's smallest thinking budget. */
export const MIN_THINKING_BUDGET = 1_024;

/**
 * Thinking tokens per effort; `none` asks for no thinking. With the default answer limit on top,
 * the largest stays under the 32,000 output tokens of the smallest thinking model (Opus 4).
 */
const BUDGETS: Readonly<Record<Exclude<ReasoningEffort, 'none'>, number>> = {
  minimal: MIN_THINKING_BUDGET,
  low: 2_048,
  medium: 8_192,
  high: 16_384,
  xhigh: 24_576,
};

export interface ThinkingRequest {
  readonly thinking?: { readonly type: 'enabled'; readonly budget_tokens: number };
  readonly max_tokens: number;
}

/**
 * The request's `thinking` and `max_tokens`. Anthropic counts thinking in `max_tokens` (as OpenAI
 * counts reasoning in its output limit) and wants the budget below it: with a limit set, the
 * budget shrinks to fit; with none, the default limit comes on top of the budget.
 */
export function thinkingRequest(
  effort: ReasoningEffort | undefined,
  maxOutputTokens: number | undefined,
  defaultMaxTokens: number,
): ThinkingRequest {
  if (effort === undefined || effort === 'none') return { max_tokens: maxOutputTokens ?? defaultMaxTokens };
  const wanted = BUDGETS[effort];
  if (maxOutputTokens === undefined) {
    return { thinking: { type: 'enabled', budget_tokens: wanted }, max_tokens: wanted + defaultMaxTokens };
  }
  const budget = Math.min(wanted, maxOutputTokens - 1);
  if (budget < MIN_THINKING_BUDGET) {
    throw new ProviderError(
      `the anthropic provider thinks with at least ${MIN_THINKING_BUDGET} tokens: raise the output token limit above ${MIN_THINKING_BUDGET} or ask for no reasoning`,
      { kind: 'unsupported', provider: PROVIDER },
    );
  }
  return { thinking: { type: 'enabled', budget_tokens: budget }, max_tokens: maxOutputTokens };
}

/**
 * Refuses what Anthropic refuses with thinking on: a forced tool call, a temperature other than 1,
 * a `top_p` below 0.95 (so the client reads which field, before any upstream call).
 */
export function assertThinkingAllows(options: CallOptions): void {
  const refuse = (what: string, param: string) =>
    new ProviderError(
      `the anthropic provider cannot think with ${what}: leave it out, or ask for no reasoning`,
      { kind: 'unsupported', provider: PROVIDER, param },
    );
  if (options.toolChoice === 'required' || typeof options.toolChoice === 'object')
    throw refuse('a forced tool call (tool_choice)', 'tool_choice');
  if (options.temperature !== undefined && options.temperature !== 1)
    throw refuse('a temperature other than 1', 'temperature');
  if (options.topP !== undefined && options.topP < 0.95) throw refuse('a top_p below 0.95', 'top_p');
}

/**
 * False in a tool loop whose last call came without its thinking block (a client of
 * `/v1/chat/completions` has no field to pass thinking back): Anthropic refuses thinking then, so
 * that turn runs without it.
 */
export function canThinkAfter(messages: readonly AnthropicMessage[]): boolean {
  const [call, results] = messages.slice(-2);
  const isToolResults =
    results?.role === 'user' &&
    typeof results.content !== 'string' &&
    results.content.some((block) => block.type === 'tool_result');
  if (!isToolResults || call === undefined || typeof call.content === 'string') return true;
  const first = call.content[0]?.type;
  return first === 'thinking' || first === 'redacted_thinking';
}
