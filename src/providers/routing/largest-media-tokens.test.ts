import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANTHROPIC_MEDIA_TOKENS } from '../anthropic/anthropic-media-tokens.ts';
import { OPENAI_MEDIA_TOKENS } from '../openai-compatible/openai-media-tokens.ts';
import { largestMediaTokens } from './largest-media-tokens.ts';

describe('the media token rule of a route', () => {
  it("takes the largest count of its deployments' rules, part by part", () => {
    const rule = largestMediaTokens([OPENAI_MEDIA_TOKENS, ANTHROPIC_MEDIA_TOKENS]);
    assert.ok(rule !== undefined);
    // 1024×1024: 765 on OpenAI, 1,399 on Anthropic; at low detail, 85 and 1,399.
    assert.equal(rule.imageTokens({ width: 1024, height: 1024 }, 'high'), 1_399);
    assert.equal(rule.imageTokens({ width: 1024, height: 1024 }, 'low'), 1_399);
    // 4000×600: OpenAI's four tiles (765) beat Anthropic's 1568×235 strip (492).
    assert.equal(rule.imageTokens({ width: 4000, height: 600 }, 'high'), 765);
    assert.equal(rule.pdfPageTokens, 3_000);
    assert.equal(rule.audioTokensPerSecond, 10);
  });

  it('is the one rule of a single deployment, and none when a deployment declares none', () => {
    assert.equal(largestMediaTokens([OPENAI_MEDIA_TOKENS]), OPENAI_MEDIA_TOKENS);
    assert.equal(largestMediaTokens([OPENAI_MEDIA_TOKENS, undefined]), undefined);
    assert.equal(largestMediaTokens([]), undefined);
  });
});
