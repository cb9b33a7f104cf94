import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OPENAI_MEDIA_TOKENS, openAIImageTokens } from './openai-media-tokens.ts';

describe("OpenAI's media token rule", () => {
  it("gives the image counts of OpenAI's own worked examples", () => {
    // 1024×1024 at high detail: scaled to 768×768, four tiles.
    assert.equal(openAIImageTokens({ width: 1024, height: 1024 }, 'high'), 765);
    // 2048×4096: fits 1024×2048, then 768×1536, six tiles.
    assert.equal(openAIImageTokens({ width: 2048, height: 4096 }, 'high'), 1_105);
    // Low detail costs the same whatever the size.
    assert.equal(openAIImageTokens({ width: 4096, height: 8192 }, 'low'), 85);
  });

  it('counts auto as high, never scales a small image up, and takes the largest for an image by URL', () => {
    assert.equal(openAIImageTokens({ width: 1024, height: 1024 }, 'auto'), 765);
    assert.equal(openAIImageTokens({ width: 1024, height: 1024 }, undefined), 765);
    assert.equal(openAIImageTokens({ width: 300, height: 200 }, 'high'), 85 + 170, 'one tile');
    assert.equal(openAIImageTokens(undefined, 'high'), 1_445, '2048×768: eight tiles');
    assert.equal(openAIImageTokens(undefined, 'low'), 85);
    for (const [width, height] of [
      [4000, 3000],
      [8000, 100],
      [768, 768],
      [5000, 5000],
    ] as const) {
      assert.ok(openAIImageTokens({ width, height }, 'high') <= 1_445, `${width}×${height}`);
    }
  });

  it('counts a PDF page and a second of audio as OpenAI documents them', () => {
    assert.equal(OPENAI_MEDIA_TOKENS.pdfPageTokens, 1_500);
    assert.equal(OPENAI_MEDIA_TOKENS.audioTokensPerSecond, 10, 'one token per 100 ms');
  });
});
