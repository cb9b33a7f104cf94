/**
 * Token counting with a real tokenizer for the model's family (`bpe-token-counter.ts`, OpenAI's
 * vocabularies in typed arrays): `cl100k_base` for GPT-4 and GPT-3.5, `o200k_base` for GPT-4o,
 * GPT-4.1, o-series and GPT-5 — and, as an estimate, for other families, whose providers report
 * their own counts (those are used when present). Special-token strings in the text count as
 * ordinary text. Tool calls, reasoning, images, files and audio are counted too (`part-tokens.ts`). Each encoding loads on first need (~4 MB); counts are cached per message text,
 * since a conversation's history is the same text turn after turn.
 */

import type { MediaTokenRule, PromptMessage } from '../providers/spec.ts';
import { type Encoding, loadTokenCounter } from './bpe-token-counter.ts';
import { DEFAULT_MEDIA_TOKENS, type TextMeasure, tokensBeyondText } from './part-tokens.ts';

/** The framing a chat template adds around each message. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

export type { Encoding };

/** The encoding of a model family. */
export function encodingFor(modelName: string): Encoding {
  return /^(gpt-3\.5|gpt-4(?![o.]))/i.test(modelName) ? 'cl100k_base' : 'o200k_base';
}

type CountTokens = (text: string) => number;
const loaded = new Map<Encoding, Promise<CountTokens>>();

export function loadTokenizer(encoding: Encoding = 'o200k_base'): Promise<CountTokens> {
  let tokenizer = loaded.get(encoding);
  if (tokenizer === undefined) {
    tokenizer = loadTokenCounter(encoding);
    loaded.set(encoding, tokenizer);
  }
  return tokenizer;
}

const caches = new WeakMap<CountTokens, Map<string, number>>();
let cachedCharacters = 0;
/** The caches forget everything past this many characters of text (they refill as turns come). */
const CACHE_CHARACTER_LIMIT = 32 * 1024 * 1024;

/** Tokens of one message's text plus its framing, cached. Needs the loaded counter. */
export function countMessage(count: CountTokens, text: string): number {
  let cache = caches.get(count);
  if (cache === undefined) {
    cache = new Map();
    caches.set(count, cache);
  }
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

const decoder = new TextDecoder();

/** Measures the text beyond a message's content with the loaded counter (cached like messages). */
export function tokenMeasure(count: CountTokens): TextMeasure {
  const text = (value: string) => countMessage(count, value) - MESSAGE_OVERHEAD_TOKENS;
  return { text, utf8: (data) => text(decoder.decode(data)) };
}

/** Tokens of one message: its text and framing, and what it holds beyond text (`part-tokens.ts`). */
export function countPromptMessage(
  count: CountTokens,
  message: PromptMessage,
  media: MediaTokenRule = DEFAULT_MEDIA_TOKENS,
): number {
  const tokens = countMessage(count, message.content);
  if (message.parts === undefined && message.toolCalls === undefined) return tokens;
  return tokens + tokensBeyondText(message, media, tokenMeasure(count));
}

/** Tokens of a whole prompt for a model, its media counted by `media` (the provider's rule). */
export async function countPrompt(
  prompt: readonly PromptMessage[],
  modelName = '',
  media: MediaTokenRule = DEFAULT_MEDIA_TOKENS,
): Promise<number> {
  const count = await loadTokenizer(encodingFor(modelName));
  let tokens = 0;
  for (const message of prompt) tokens += countPromptMessage(count, message, media);
  return tokens;
}

/** Tokens of a generated text (not cached: each answer is new). */
export async function countText(text: string, modelName = ''): Promise<number> {
  return text === '' ? 0 : (await loadTokenizer(encodingFor(modelName)))(text);
}
