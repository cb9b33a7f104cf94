import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANTHROPIC_MEDIA_TOKENS, anthropicImageTokens } from './anthropic-media-tokens.ts';

describe("Anthropic's media token rule", () => {
  it("gives the image counts of Anthropic's own table (width × height / 750)", () => {
    assert.equal(anthropicImageTokens({ width: 200, height: 200 }), 54);
    assert.equal(anthropicImageTokens({ width: 1000, height: 1000 }), 1_334);
    assert.equal(anthropicImageTokens({ width: 1092, height: 1092 }), 1_590);
  });

  it('scales a large image down first, so no image counts more than about 1,600', () => {
    assert.equal(anthropicImageTokens({ width: 3000, height: 2000 }), 1_600);
    // A long strip: its long edge goes to 1,568 px, leaving 1568×49.
    assert.equal(anthropicImageTokens({ width: 8000, height: 250 }), Math.ceil((1568 * 49) / 750));
    assert.equal(anthropicImageTokens(undefined), 1_600, 'by URL: the largest');
  });

  it('ignores detail, counts a PDF page as 3,000 and takes no audio', () => {
    assert.equal(ANTHROPIC_MEDIA_TOKENS.imageTokens({ width: 1000, height: 1000 }, 'low'), 1_334);
    assert.equal(ANTHROPIC_MEDIA_TOKENS.pdfPageTokens, 3_000);
    assert.equal(ANTHROPIC_MEDIA_TOKENS.audioTokensPerSecond, undefined);
  });
});
