/**
 * Token counting with a real tokenizer (gpt-tokenizer, o200k_base — exact for OpenAI's current
 * models, an estimate for other families), loaded on first need, with counts cached per text:
 * a conversation's history is the same text turn after turn.
 */

import type { PromptMessage } from '../providers/spec.ts';

/** The framing a chat template adds around each message. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

type CountTokens = (text: string) => number;
let tokenizer: Promise<CountTokens> | undefined;

export function loadTokenizer(): Promise<CountTokens> {
  tokenizer ??= import('gpt-tokenizer').then((module) => module.countTokens);
  return tokenizer;
}

const cache = new Map<string, number>();
let cachedCharacters = 0;
/** The cache forgets everything past this many characters of text (it refills as turns come). */
const CACHE_CHARACTER_LIMIT = 32 * 1024 * 1024;

/** Tokens of one message's text plus its framing, cached. Needs the loaded counter. */
export function countMessage(count: CountTokens, text: string): number {
  const known = cache.get(text);
  if (known !== undefined) return known;
  const tokens = count(text) + MESSAGE_OVERHEAD_TOKENS;
  if (cachedCharacters + text.length > CACHE_CHARACTER_LIMIT) {
    cache.clear();
    cachedCharacters = 0;
  }
  cache.set(text, tokens);
  cachedCharacters += text.length;
  return tokens;
}

/** Tokens of a whole prompt. */
export async function countPrompt(prompt: readonly PromptMessage[]): Promise<number> {
  const count = await loadTokenizer();
  let tokens = 0;
  for (const message of prompt) tokens += countMessage(count, message.content);
  return tokens;
}

/** Tokens of a generated text (not cached: each answer is new). */
export async function countText(text: string): Promise<number> {
  return text === '' ? 0 : (await loadTokenizer())(text);
}
