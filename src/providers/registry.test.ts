import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/config.ts';
import { ANTHROPIC_FALLBACK_MODEL } from './anthropic/definition.ts';
import { OPENAI_FALLBACK_MODEL } from './openai-compatible/definition.ts';
import { createModelRegistry } from './registry.ts';
import { RoutedChatModel } from './routing/routed-chat-model.ts';

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

  it('lets a name say its provider, and sends the rest by the order of configured providers', () => {
    const registry = createModelRegistry(
      loadConfig({ OPENAI_API_KEY: 'sk-a', ANTHROPIC_API_KEY: 'sk-ant-b' }),
    );
    const prefixed = registry.resolve('anthropic/claude-haiku-4-5');
    assert.equal(prefixed?.provider, 'anthropic');
    assert.equal(prefixed?.modelId, 'claude-haiku-4-5');
    // OpenAI-compatible routers use such names themselves: a name with an unknown prefix stays whole.
    assert.equal(registry.resolve('meta-llama/llama-3')?.modelId, 'meta-llama/llama-3');
    assert.equal(registry.resolve('meta-llama/llama-3')?.provider, 'openai-compatible');
  });

  it('serves a route of the config file, and a deployment by its own name', () => {
    const folder = mkdtempSync(join(tmpdir(), 'parley-registry-'));
    try {
      const path = join(folder, 'parley.yaml');
      writeFileSync(
        path,
        [
          'deployments:',
          '  a: { provider: openai-compatible, model: gpt-4o-mini, base_url: "http://127.0.0.1:9/v1" }',
          '  b: { provider: anthropic, model: claude-haiku-4-5, api_key: k }',
          'routes:',
          '  fast: { deployments: [a], fallbacks: [b] }',
        ].join('\n'),
      );
      const registry = createModelRegistry(loadConfig({ PARLEY_CONFIG: path }));
      assert.equal(registry.defaultModel, 'fast', 'the first route, when nothing else is set');
      assert.deepEqual(registry.listed, ['fast']);
      const routed = registry.resolve('fast');
      assert.ok(routed instanceof RoutedChatModel);
      assert.equal(routed.modelId, 'fast');
      assert.equal(registry.resolve('b')?.modelId, 'claude-haiku-4-5');
      assert.equal(registry.resolve('gpt-4o'), undefined, 'no provider is set up by the environment');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
