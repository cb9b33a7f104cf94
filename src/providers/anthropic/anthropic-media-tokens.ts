/**
 * How Anthropic counts parts beyond text into a model's context window, as its docs describe (an
 * estimate for planning; the upstream's own count decides):
 * - an image: width × height / 750 tokens, after Anthropic scales it down (keeping its aspect) so
 *   its long edge is at most 1,568 px and it costs at most about 1,600 tokens. An image given by
 *   URL (its size unknown) counts as that largest, 1,600.
 * - a PDF page: 1,500–3,000 tokens of text by its docs, plus the page as an image; counted as 3,000.
 * Anthropic takes no audio.
 */

import type { ImageSize, MediaTokenRule } from '../spec.ts';

const PIXELS_PER_TOKEN = 750;
const LONG_EDGE = 1_568;
const MOST_TOKENS = 1_600;

/** Tokens of an image as Anthropic scales and counts it. */
export function anthropicImageTokens(size: ImageSize | undefined): number {
  if (size === undefined) return MOST_TOKENS;
  const { width, height } = size;
  const scale = Math.min(
    1,
    LONG_EDGE / Math.max(width, height),
    Math.sqrt((MOST_TOKENS * PIXELS_PER_TOKEN) / (width * height)),
  );
  return Math.min(MOST_TOKENS, Math.ceil((width * scale * height * scale) / PIXELS_PER_TOKEN));
}

export const ANTHROPIC_MEDIA_TOKENS: MediaTokenRule = {
  imageTokens: anthropicImageTokens,
  pdfPageTokens: 3_000,
};
