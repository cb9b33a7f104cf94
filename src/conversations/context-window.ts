/**
 * Fitting a conversation into the model's context window. A path that fits is sent whole (the
 * common case is decided without tokenizing: a byte-level BPE token is at least one byte, so a
 * prompt with fewer bytes than the budget fits). Otherwise the oldest messages between the system
 * prompt and the new input are dropped, whole, until the rest fits — counted with a real
 * tokenizer for the model's family (see `token-count.ts`), cached per message text. Images, files
 * and audio count by the provider's documented rule, the same estimate on both ways
 * (`part-tokens.ts`); tool calls and reasoning count as their text.
 */

import { badRequest } from '../errors.ts';
import type { MediaTokenRule, PromptMessage } from '../providers/spec.ts';
import { DEFAULT_MEDIA_TOKENS, tokensBeyondText, UTF8_BYTES } from '../tokens/part-tokens.ts';
import {
  countPromptMessage,
  encodingFor,
  loadTokenizer,
  MESSAGE_OVERHEAD_TOKENS,
} from '../tokens/token-count.ts';

/** For a model Parley knows nothing about. */
export const DEFAULT_CONTEXT_WINDOW = 32_768;
/** Room kept for the answer when the request sets no output limit. */
export const DEFAULT_OUTPUT_RESERVE = 1_024;

export interface ContextSettings {
  /** Per-model windows from the config file. */
  readonly windows?: Readonly<Record<string, number>>;
  /** The windows the providers know, by model name (the model registry's `contextWindow`). */
  readonly knownWindow?: (modelName: string) => number | undefined;
  /** `PARLEY_MAX_CONTEXT_TOKENS`: a cap on every model's window. */
  readonly maxContextTokens?: number;
}

export function contextWindowOf(modelName: string, settings: ContextSettings = {}): number {
  const window = settings.windows?.[modelName] ?? settings.knownWindow?.(modelName) ?? DEFAULT_CONTEXT_WINDOW;
  return settings.maxContextTokens === undefined ? window : Math.min(window, settings.maxContextTokens);
}

export interface ContextPlan {
  readonly prompt: PromptMessage[];
  /** Messages of the history left out because they did not fit. */
  readonly droppedMessages: number;
  /** Where the dropped messages were in the original prompt (and where a summary would go). */
  readonly droppedFrom: number;
  /** Tokens of what is sent (an upper bound when nothing had to be counted). */
  readonly tokens: number;
  /** True when `tokens` was counted with the tokenizer, false when bounded by bytes. */
  readonly counted: boolean;
}

/**
 * Fits a prompt (leading system messages, history, then `keepLast` new messages) into `window`
 * tokens with `reserve` left for the answer. Throws a 400 when even the system messages and the
 * new input do not fit.
 */
export async function fitToWindow(
  prompt: readonly PromptMessage[],
  keepLast: number,
  window: number,
  reserve: number,
  /** Once dropping, fill only this share of the room left for history (drop in larger steps). */
  fill = 1,
  /** The model, for its tokenizer family. */
  modelName = '',
  /** How its provider counts images, files and audio (`ModelCapabilities.mediaTokens`). */
  media: MediaTokenRule = DEFAULT_MEDIA_TOKENS,
): Promise<ContextPlan> {
  const budget = window - reserve;
  let bytes = 0;
  for (const message of prompt) {
    bytes += Buffer.byteLength(message.content) + MESSAGE_OVERHEAD_TOKENS;
    if (message.parts !== undefined || message.toolCalls !== undefined)
      bytes += tokensBeyondText(message, media, UTF8_BYTES);
  }
  if (bytes <= budget)
    return { prompt: [...prompt], droppedMessages: 0, droppedFrom: 0, tokens: bytes, counted: false };

  const count = await loadTokenizer(encodingFor(modelName));
  const tokensOf = (message: PromptMessage | undefined) =>
    message === undefined ? 0 : countPromptMessage(count, message, media);
  let head = 0;
  while (head < prompt.length - keepLast && prompt[head]?.role === 'system') head += 1;
  const tailStart = Math.max(head, prompt.length - keepLast);
  let used = 0;
  for (let index = 0; index < head; index += 1) used += tokensOf(prompt[index]);
  for (let index = tailStart; index < prompt.length; index += 1) used += tokensOf(prompt[index]);
  if (used > budget) {
    throw badRequest(
      `the system prompt and the new message need about ${used} tokens, more than this model's window of ${window} ` +
        `(with ${reserve} kept for the answer): shorten the message`,
    );
  }
  // Newest history first, while it fits.
  const historyBudget = used + (budget - used) * fill;
  let start = tailStart;
  while (start > head) {
    const tokens = tokensOf(prompt[start - 1]);
    if (used + tokens > historyBudget) break;
    used += tokens;
    start -= 1;
  }
  return {
    prompt: [...prompt.slice(0, head), ...prompt.slice(start)],
    droppedMessages: start - head,
    droppedFrom: head,
    tokens: used,
    counted: true,
  };
}
