import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pngOf } from '../../test/support/media-bytes.ts';
import { loadConfig } from '../config/config.ts';
import { ANTHROPIC_MEDIA_TOKENS } from '../providers/anthropic/anthropic-media-tokens.ts';
import { OPENAI_MEDIA_TOKENS } from '../providers/openai-compatible/openai-media-tokens.ts';
import { createModelRegistry } from '../providers/registry.ts';
import type { PromptMessage } from '../providers/spec.ts';
import { countText, encodingFor } from '../tokens/token-count.ts';
import { contextWindowOf, DEFAULT_CONTEXT_WINDOW, fitToWindow } from './context-window.ts';

const message = (role: PromptMessage['role'], words: number, tag: string): PromptMessage => ({
  role,
  content: `${tag} ${'hello '.repeat(words)}`.trim(),
});

describe('context window', () => {
  it('knows model families, takes the config over them, and caps with the global limit', () => {
    // The families' windows come from the provider definitions, through the model registry.
    const models = createModelRegistry(loadConfig({}));
    const known = { knownWindow: (name: string) => models.contextWindow?.(name) };
    assert.equal(contextWindowOf('gpt-4o-mini', known), 128_000);
    assert.equal(contextWindowOf('gpt-4.1-nano', known), 1_047_576);
    assert.equal(contextWindowOf('claude-sonnet-4-5', known), 200_000);
    assert.equal(contextWindowOf('something-local', known), DEFAULT_CONTEXT_WINDOW);
    assert.equal(contextWindowOf('gpt-4o-mini'), DEFAULT_CONTEXT_WINDOW, 'no registry, no families');
    assert.equal(
      contextWindowOf('gpt-4o-mini', { ...known, windows: { 'gpt-4o-mini': 4_096 } }),
      4_096,
      'the config file wins',
    );
    assert.equal(contextWindowOf('something-local', { windows: { 'something-local': 4_096 } }), 4_096);
    assert.equal(contextWindowOf('gpt-4o', { maxContextTokens: 16_000 }), 16_000);
  });

  it('sends a prompt that fits as it is, without tokenizing', async () => {
    const prompt = [message('system', 3, 's'), message('user', 10, 'q')];
    const plan = await fitToWindow(prompt, 1, 1_000, 100);
    assert.deepEqual(plan.prompt, prompt);
    assert.equal(plan.droppedMessages, 0);
    assert.equal(plan.counted, false);
  });

  it('drops the oldest whole messages, keeping the system prompt and the new input', async () => {
    // "hello" is one token: each message is about 100 tokens (+4 framing).
    const history = Array.from({ length: 10 }, (_, index) =>
      message(index % 2 === 0 ? 'user' : 'assistant', 100, `m${index}`),
    );
    const prompt = [message('system', 10, 'sys'), ...history, message('user', 100, 'new')];
    const plan = await fitToWindow(prompt, 1, 600, 100);
    assert.equal(plan.counted, true);
    assert.deepEqual(
      plan.prompt.map((entry) => entry.content.split(' ')[0]),
      ['sys', 'm7', 'm8', 'm9', 'new'],
    );
    assert.equal(plan.droppedMessages, 7);
    assert.ok(plan.tokens <= 500);
  });

  it('counts with the tokenizer of the model family', async () => {
    assert.equal(encodingFor('gpt-4-turbo'), 'cl100k_base');
    assert.equal(encodingFor('gpt-3.5-turbo'), 'cl100k_base');
    assert.equal(encodingFor('gpt-4o-mini'), 'o200k_base');
    assert.equal(encodingFor('gpt-4.1'), 'o200k_base');
    assert.equal(encodingFor('claude-sonnet-4-5'), 'o200k_base');
    // The vocabularies differ: this Japanese greeting is 9 tokens in cl100k_base, 7 in o200k_base.
    const text = 'こんにちは世界、元気ですか';
    assert.equal(await countText(text, 'gpt-4'), 9);
    assert.equal(await countText(text, 'gpt-4o'), 7);
  });

  it('refuses a new message larger than the window with a 400', async () => {
    await assert.rejects(fitToWindow([message('user', 2_000, 'huge')], 1, 1_000, 100), (error: unknown) => {
      assert.equal((error as { status?: number }).status, 400);
      assert.match(String((error as Error).message), /window of 1000/);
      return true;
    });
  });

  it('counts images by the provider’s rule: a conversation of pictures drops its oldest messages', async () => {
    // Four questions with a 1024×1024 picture each: 765 tokens on OpenAI, 1,399 on Anthropic.
    const picture = pngOf(1024, 1024);
    const asked = (tag: string): PromptMessage => ({
      role: 'user',
      content: `${tag} what is this?`,
      parts: [
        { type: 'text', text: `${tag} what is this?` },
        { type: 'image', mediaType: 'image/png', data: picture },
      ],
    });
    const prompt = [asked('m0'), asked('m1'), asked('m2'), asked('new')];
    const textOnly = prompt.map(({ role, content }) => ({ role, content }));
    assert.equal((await fitToWindow(textOnly, 1, 3_000, 100)).droppedMessages, 0, 'the text alone fits');

    const openai = await fitToWindow(prompt, 1, 3_000, 100, 1, 'gpt-4o', OPENAI_MEDIA_TOKENS);
    assert.deepEqual(
      openai.prompt.map((entry) => entry.content.split(' ')[0]),
      ['m1', 'm2', 'new'],
    );
    assert.equal(openai.droppedMessages, 1);
    assert.ok(openai.tokens > 3 * 765 && openai.tokens <= 2_900, `${openai.tokens} tokens`);

    const anthropic = await fitToWindow(
      prompt,
      1,
      3_000,
      100,
      1,
      'claude-sonnet-4-5',
      ANTHROPIC_MEDIA_TOKENS,
    );
    assert.deepEqual(
      anthropic.prompt.map((entry) => entry.content.split(' ')[0]),
      ['m2', 'new'],
    );
  });

  it('bounds a prompt with its media before tokenizing, and refuses a new message whose pictures overflow', async () => {
    const byUrl = (count: number): PromptMessage => ({
      role: 'user',
      content: 'compare',
      parts: Array.from({ length: count }, (_, index) => ({
        type: 'image' as const,
        url: `https://example.com/${index}.png`,
      })),
    });
    const fits = await fitToWindow([byUrl(1)], 1, 2_000, 100, 1, 'gpt-4o', OPENAI_MEDIA_TOKENS);
    assert.equal(fits.counted, false, 'decided by the bound');
    assert.ok(fits.tokens >= 1_445, 'the bound holds the picture');
    await assert.rejects(
      fitToWindow([byUrl(2)], 1, 2_000, 100, 1, 'gpt-4o', OPENAI_MEDIA_TOKENS),
      (error: unknown) => (error as { status?: number }).status === 400,
    );
  });
});
