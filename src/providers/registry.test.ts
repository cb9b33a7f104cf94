import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/config.ts';
import { ANTHROPIC_FALLBACK_MODEL, createModelRegistry, OPENAI_FALLBACK_MODEL } from './registry.ts';

describe('model registry', () => {
  it('routes claude models to Anthropic and the rest to the OpenAI-compatible provider', () => {
    const registry = createModelRegistry(
      loadConfig({ OPENAI_API_KEY: 'sk-a', ANTHROPIC_API_KEY: 'sk-ant-b' }),
    );
    assert.equal(registry.defaultModel, OPENAI_FALLBACK_MODEL);
    assert.equal(registry.resolve('claude-sonnet-4-5')?.provider, 'anthropic');
    assert.equal(registry.resolve('gpt-4o')?.provider, 'openai-compatible');
  });

  it('sends everything to Anthropic when it is the only provider, with its own default model', () => {
    const registry = createModelRegistry(loadConfig({ ANTHROPIC_API_KEY: 'sk-ant-b' }));
    assert.equal(registry.defaultModel, ANTHROPIC_FALLBACK_MODEL);
    assert.equal(registry.resolve('anything')?.provider, 'anthropic');
    assert.equal(
      createModelRegistry(loadConfig({ ANTHROPIC_API_KEY: 'k', PARLEY_DEFAULT_MODEL: 'claude-x' }))
        .defaultModel,
      'claude-x',
    );
  });

  it('serves nothing, and says what to set, with no provider', () => {
    const registry = createModelRegistry(loadConfig({}));
    assert.equal(registry.defaultModel, undefined);
    assert.equal(registry.resolve('gpt-4o'), undefined);
    assert.match(registry.setupAdvice, /ANTHROPIC_API_KEY/);
  });
});
