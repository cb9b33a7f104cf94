import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mp3Of, pdfOf, pngOf, wavOf } from '../../test/support/media-bytes.ts';
import type { MediaTokenRule, PromptMessage, PromptPart } from '../providers/spec.ts';
import { DEFAULT_MEDIA_TOKENS, partTokens, tokensBeyondText, UTF8_BYTES } from './part-tokens.ts';
import { countPrompt, countText, loadTokenizer, tokenMeasure } from './token-count.ts';

/** A rule that says what it was asked: an image costs its width plus its height (1,000 by URL). */
const rule: MediaTokenRule = {
  imageTokens: (size, detail) =>
    detail === 'low' ? 1 : size === undefined ? 1_000 : size.width + size.height,
  pdfPageTokens: 100,
  audioTokensPerSecond: 7,
};

describe('tokens beyond text', () => {
  it("counts an image as bytes by its header's size and an image by URL as the rule's unknown size", () => {
    const png = pngOf(30, 20);
    assert.equal(partTokens({ type: 'image', mediaType: 'image/png', data: png }, rule, UTF8_BYTES), 50);
    assert.equal(
      partTokens({ type: 'image', mediaType: 'image/png', data: png, detail: 'low' }, rule, UTF8_BYTES),
      1,
    );
    assert.equal(partTokens({ type: 'image', url: 'https://example.com/a.png' }, rule, UTF8_BYTES), 1_000);
    const broken = { type: 'image', mediaType: 'image/png', data: Buffer.from('not a png') } as const;
    assert.equal(partTokens(broken, rule, UTF8_BYTES), 1_000, 'an unreadable header: as by URL');
  });

  it('counts a PDF by its pages, or by its size when they are out of sight', () => {
    const pdf = (data: Uint8Array): PromptPart => ({
      type: 'file',
      mediaType: 'application/pdf',
      filename: 'a.pdf',
      data,
    });
    assert.equal(partTokens(pdf(pdfOf(3)), rule, UTF8_BYTES), 300);
    assert.equal(partTokens(pdf(Buffer.alloc(120_000)), rule, UTF8_BYTES), 300, 'one page per 50 KB');
    assert.equal(partTokens(pdf(Buffer.alloc(10)), rule, UTF8_BYTES), 100, 'at least one page');
  });

  it('measures a text file as text, and any other file at one token per 4 bytes', async () => {
    const text = Buffer.from('hello '.repeat(50));
    const file = (mediaType: string, data: Uint8Array): PromptPart => ({
      type: 'file',
      mediaType,
      filename: 'f',
      data,
    });
    const measure = tokenMeasure(await loadTokenizer());
    assert.equal(partTokens(file('text/plain', text), rule, UTF8_BYTES), 300, 'the bound: its bytes');
    assert.equal(partTokens(file('text/csv', text), rule, measure), await countText(text.toString()));
    assert.equal(partTokens(file('application/json', text), rule, measure), await countText(text.toString()));
    assert.equal(
      partTokens(
        file('application/vnd.openxmlformats-officedocument.wordprocessingml.document', Buffer.alloc(4_001)),
        rule,
        measure,
      ),
      1_001,
    );
  });

  it('counts audio by its length at the rule’s rate, or the default where the provider names none', () => {
    assert.equal(partTokens({ type: 'audio', mediaType: 'audio/wav', data: wavOf(3) }, rule, UTF8_BYTES), 21);
    // 80,000 bytes at 64 kbit/s: 10 s.
    assert.equal(
      partTokens({ type: 'audio', mediaType: 'audio/mpeg', data: mp3Of(80_000) }, rule, UTF8_BYTES),
      70,
    );
    const silent: MediaTokenRule = { imageTokens: rule.imageTokens, pdfPageTokens: rule.pdfPageTokens };
    assert.equal(
      partTokens({ type: 'audio', mediaType: 'audio/wav', data: wavOf(3) }, silent, UTF8_BYTES),
      30,
    );
  });

  it('measures tool calls, reasoning and refusals as text, and text parts not twice', async () => {
    const message: PromptMessage = {
      role: 'assistant',
      content: 'the answer',
      parts: [
        { type: 'reasoning', text: 'thinking it over', encrypted: 'opaque-payload' },
        { type: 'text', text: 'the answer' },
        { type: 'refusal', text: 'no' },
      ],
      toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"city":"Paris"}' }],
    };
    const measure = tokenMeasure(await loadTokenizer());
    const expected =
      (await countText('thinking it over')) +
      (await countText('no')) +
      (await countText('lookup')) +
      (await countText('{"city":"Paris"}'));
    assert.equal(tokensBeyondText(message, rule, measure), expected);
    assert.ok(tokensBeyondText(message, rule, UTF8_BYTES) >= expected, 'the bytes bound the tokens');
    assert.equal(tokensBeyondText({ role: 'user', content: 'plain' }, rule, measure), 0);
  });

  it('counts a prompt with its media (the default rule unless the provider gives one)', async () => {
    const withImage: PromptMessage = {
      role: 'user',
      content: 'look',
      parts: [
        { type: 'text', text: 'look' },
        { type: 'image', url: 'https://example.com/a.png' },
      ],
    };
    const textOnly = await countPrompt([{ role: 'user', content: 'look' }]);
    assert.equal(await countPrompt([withImage]), textOnly + 1_600);
    assert.equal(await countPrompt([withImage], '', rule), textOnly + 1_000);
    assert.equal(DEFAULT_MEDIA_TOKENS.imageTokens(undefined, 'low'), 85);
  });
});
