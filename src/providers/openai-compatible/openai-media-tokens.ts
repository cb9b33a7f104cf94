/**
 * How OpenAI counts parts beyond text into a model's context window, as its docs describe (an
 * estimate for planning; the upstream's own count decides):
 * - an image at `low` detail: 85 tokens. At `high`, and `auto` (which may choose high): scaled
 *   down to fit 2048×2048, then down so its shortest side is 768 px, then 170 tokens per 512-px
 *   tile plus 85. An image given by URL (its size unknown) counts as the largest that rule gives,
 *   2048×768: 8 tiles, 1,445 tokens.
 * - a PDF page: its extracted text plus a picture of the page, about 1,500 tokens.
 * - audio input: 1 token per 100 ms (its Realtime guide), 10 per second.
 */

import type { ImageSize, MediaTokenRule } from '../spec.ts';

const LOW_DETAIL_TOKENS = 85;
const TILE_TOKENS = 170;
const TILE = 512;

/** Tokens of an image as OpenAI tiles it. */
export function openAIImageTokens(
  size: ImageSize | undefined,
  detail: 'auto' | 'low' | 'high' | undefined,
): number {
  if (detail === 'low') return LOW_DETAIL_TOKENS;
  let { width, height } = size ?? { width: 2048, height: 768 };
  const fit = Math.min(1, 2048 / Math.max(width, height));
  width *= fit;
  height *= fit;
  const shortest = Math.min(1, 768 / Math.min(width, height));
  width = Math.round(width * shortest);
  height = Math.round(height * shortest);
  const tiles = Math.ceil(width / TILE) * Math.ceil(height / TILE);
  return LOW_DETAIL_TOKENS + TILE_TOKENS * tiles;
}

export const OPENAI_MEDIA_TOKENS: MediaTokenRule = {
  imageTokens: openAIImageTokens,
  pdfPageTokens: 1_500,
  audioTokensPerSecond: 10,
};
