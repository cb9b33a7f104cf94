/**
 * What a prompt message costs beyond its plain text: its tool calls (name and arguments) and its
 * reasoning and refusal text, measured like text; its images, files and audio, estimated by the
 * provider's media token rule (`ModelCapabilities.mediaTokens`) or, for a provider that declares
 * none, by `DEFAULT_MEDIA_TOKENS`.
 *
 * - an image given as bytes: the rule's count for the size its header gives (by URL: the rule's
 *   count for an unknown size);
 * - a PDF: the rule's tokens per page times its pages (counted from its page objects, or one page
 *   per 50 KB when they are compressed out of sight);
 * - a text file (`text/*`, JSON, XML, YAML, CSV): its text, measured like text;
 * - any other file: one token per 4 bytes;
 * - audio: the rule's tokens per second times its length (a WAV's header; an mp3's size and bitrate).
 */

import type { MediaTokenRule, PromptMessage, PromptPart } from '../providers/spec.ts';
import { audioSeconds } from './audio-duration.ts';
import { imageDimensions } from './image-dimensions.ts';
import { pdfPages } from './pdf-pages.ts';

/**
 * For a provider that declares no rule: an image counts as the most either OpenAI's or Anthropic's
 * documented rule gives one (1,600; 85 at low detail), a PDF page as Anthropic's 3,000, a second
 * of audio as OpenAI's 10.
 */
export const DEFAULT_MEDIA_TOKENS: MediaTokenRule = {
  imageTokens: (_size, detail) => (detail === 'low' ? 85 : 1_600),
  pdfPageTokens: 3_000,
  audioTokensPerSecond: 10,
};

const PDF_BYTES_PER_PAGE = 50_000;
const BINARY_BYTES_PER_TOKEN = 4;
const TEXT_FILE =
  /^(text\/|application\/(json|xml|yaml|x-yaml|csv|x-ndjson)$|application\/[\w.+-]+\+(json|xml)$)/;

/**
 * How text is measured: with the tokenizer, or as an upper bound of its tokens (its UTF-8 bytes:
 * a byte-level BPE token is at least one byte).
 */
export interface TextMeasure {
  text(text: string): number;
  /** The same for text given as UTF-8 bytes (a text file). */
  utf8(data: Uint8Array): number;
}

/** The bound: bytes. */
export const UTF8_BYTES: TextMeasure = {
  text: (text) => Buffer.byteLength(text),
  utf8: (data) => data.byteLength,
};

/** Tokens of a message beyond its `content` (0 for a message of text only). */
export function tokensBeyondText(message: PromptMessage, rule: MediaTokenRule, measure: TextMeasure): number {
  let tokens = 0;
  for (const call of message.toolCalls ?? [])
    tokens += measure.text(call.name) + measure.text(call.arguments);
  for (const part of message.parts ?? []) tokens += partTokens(part, rule, measure);
  return tokens;
}

export function partTokens(part: PromptPart, rule: MediaTokenRule, measure: TextMeasure): number {
  switch (part.type) {
    case 'text':
      return 0; // The message's content holds it.
    case 'reasoning':
    case 'refusal':
      return measure.text(part.text);
    case 'image':
      return rule.imageTokens('data' in part ? imageDimensions(part.data) : undefined, part.detail);
    case 'file':
      if (part.mediaType === 'application/pdf') {
        const pages =
          pdfPages(part.data) ?? Math.max(1, Math.ceil(part.data.byteLength / PDF_BYTES_PER_PAGE));
        return pages * rule.pdfPageTokens;
      }
      if (TEXT_FILE.test(part.mediaType)) return measure.utf8(part.data);
      return Math.ceil(part.data.byteLength / BINARY_BYTES_PER_TOKEN);
    case 'audio': {
      const perSecond = rule.audioTokensPerSecond ?? DEFAULT_MEDIA_TOKENS.audioTokensPerSecond ?? 0;
      return Math.ceil(audioSeconds(part.data) * perSecond);
    }
  }
}
