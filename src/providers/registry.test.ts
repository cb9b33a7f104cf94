import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../config/config.ts';
import { EnvironmentReader } from '../config/environment-reader.ts';
import { ANTHROPIC_FALLBACK_MODEL, anthropic } from './anthropic/definition.ts';
import { chatgptWeb } from './chatgpt-web/definition.ts';
import { local } from './local/definition.ts';
import { OPENAI_FALLBACK_MODEL, openaiCompatible } from './openai-compatible/definition.ts';
import { PROVIDERS } from './providers.ts';
import { createModelRegistry, setupAdviceFor } from './registry.ts';
import { RoutedChatModel } from './routing/routed-chat-model.ts';

const folder = mkdtempSync(join(tmpdir(), 'parley-registry-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** A config file of these lines; its path. */
function configFile(name: string, lines: readonly string[]): string {
  const path = join(folder, name);
  writeFileSync(path, lines.join('\n'));
  return path;
}

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
    const path = configFile('routes.yaml', [
      'deployments:',
      '  a: { provider: openai-compatible, model: gpt-4o-mini, base_url: "http://127.0.0.1:9/v1" }',
      '  b: { provider: anthropic, model: claude-haiku-4-5, api_key: k }',
      'routes:',
      '  fast: { deployments: [a], fallbacks: [b] }',
    ]);
    const registry = createModelRegistry(loadConfig({ PARLEY_CONFIG: path }));
    assert.equal(registry.defaultModel, 'fast', 'the first route, when nothing else is set');
    assert.deepEqual(registry.listed, ['fast', 'a', 'b'], 'routes, then deployments');
    const routed = registry.resolve('fast');
    assert.ok(routed instanceof RoutedChatModel);
    assert.equal(routed.modelId, 'fast');
    assert.equal(registry.resolve('b')?.modelId, 'claude-haiku-4-5');
    assert.equal(registry.resolve('gpt-4o'), undefined, 'no provider is set up by the environment');
  });

  it('stops the start naming a deployment whose provider is not in the list, or lacks its key', () => {
    const path = configFile('bad.yaml', [
      'deployments:',
      '  a: { provider: openai-compatible, model: m }',
      '  web: { provider: chatgpt-web, model: auto }',
      '  claude: { provider: anthropic, model: claude-haiku-4-5 }',
      '  laptop: { provider: local, model: ./tiny.gguf }',
      '  odd: { provider: bedrock, model: m }',
    ]);
    const config = loadConfig({ PARLEY_CONFIG: path });
    assert.throws(
      () => createModelRegistry(config),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, [
          `PARLEY_CONFIG: ${path}: deployments.web: the chatgpt-web provider needs api_key or api_key_env`,
          `PARLEY_CONFIG: ${path}: deployments.claude: the anthropic provider needs api_key or api_key_env`,
          `PARLEY_CONFIG: ${path}: deployments.odd.provider: must be one of ${PROVIDERS.map(({ name }) => name).join(', ')}`,
        ]);
        return true;
      },
    );
  });

  it('names each bad provider variable in one error, never echoing a value', () => {
    assert.throws(
      () =>
        createModelRegistry(
          loadConfig({
            OPENAI_BASE_URL: 'ftp://secret-user:secret-pass@host',
            ANTHROPIC_API_KEY: 'sk-ant-b',
            ANTHROPIC_BASE_URL: 'file:///etc/passwd',
            CHATGPT_BASE_URL: 'not a url',
            PARLEY_LOCAL_GPU: 'tpu',
            PARLEY_LOCAL_THREADS: '0',
          }),
        ),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, [
          'OPENAI_BASE_URL: expected a http or https URL',
          'CHATGPT_BASE_URL: expected a http or https URL',
          'ANTHROPIC_BASE_URL: expected a http or https URL',
          'PARLEY_LOCAL_GPU: expected one of cpu, auto, cuda, vulkan, metal, got "tpu"',
          'PARLEY_LOCAL_THREADS: expected an integer from 1 to 1024, got "0"',
        ]);
        assert.doesNotMatch(error.message, /secret-pass/);
        return true;
      },
    );
  });

  it('advises what to set, from every provider of the list, when none is set up', () => {
    assert.equal(createModelRegistry(loadConfig({})).setupAdvice, setupAdviceFor(PROVIDERS));
    assert.equal(
      setupAdviceFor([openaiCompatible, chatgptWeb, anthropic, local]),
      'no model provider is configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for DeepSeek, Qwen, Ollama, ' +
        'vLLM, llama.cpp server, ...), CHATGPT_ACCESS_TOKEN, ANTHROPIC_API_KEY or PARLEY_LOCAL_MODEL (and ' +
        'PARLEY_DEFAULT_MODEL), or routes in PARLEY_CONFIG, then restart',
    );
  });

  it('reads the seed’s access_token, and lets the order of the list decide unclaimed names', () => {
    const registry = createModelRegistry(loadConfig({ access_token: 'eyJ-token', ANTHROPIC_API_KEY: 'k' }));
    assert.equal(registry.defaultModel, 'auto', 'chatgpt-web comes before anthropic in the list');
    assert.equal(registry.resolve('gpt-4o')?.provider, 'chatgpt-web');
    assert.equal(registry.resolve('claude-haiku-4-5')?.provider, 'anthropic', 'a claim beats the order');
    assert.equal(registry.resolve('chatgpt-web/gpt-4o')?.modelId, 'gpt-4o');
    assert.equal(registry.keepsUpstreamThreads, true);
    assert.equal(createModelRegistry(loadConfig({ OPENAI_API_KEY: 'k' })).keepsUpstreamThreads, false);
  });

  it('gives the context windows its definitions know, by the longest prefix', () => {
    const registry = createModelRegistry(loadConfig({}));
    assert.equal(registry.contextWindow?.('GPT-4o-mini'), 128_000);
    assert.equal(registry.contextWindow?.('gpt-4-0613'), 8_192);
    assert.equal(registry.contextWindow?.('claude-opus-4'), 200_000);
    assert.equal(registry.contextWindow?.('qwen2.5-0.5b-instruct-q4_k_m'), 131_072);
    assert.equal(registry.contextWindow?.('something-local'), undefined);
  });

  it('lists each provider once, each with a setup hint naming variables it reads', () => {
    const names = PROVIDERS.map((definition) => definition.name);
    assert.equal(new Set(names).size, names.length);
    // The order decides who takes unclaimed names: a provider added later goes anywhere but between these.
    const builtIn = ['openai-compatible', 'chatgpt-web', 'anthropic', 'local'];
    assert.deepEqual(
      names.filter((name) => builtIn.includes(name)),
      builtIn,
    );
    for (const definition of PROVIDERS) {
      const read = new Set<string | symbol>();
      const watched = new Proxy({}, { get: (_, name) => void read.add(name) });
      definition.configure(new EnvironmentReader(watched, []));
      const named = definition.setupHint.match(/\b[A-Z][A-Z_]{3,}\b/g) ?? [];
      assert.ok(named.length > 0, definition.name);
      // PARLEY_DEFAULT_MODEL is the config's own, named in the local engine's hint.
      for (const variable of named.filter((name) => name !== 'PARLEY_DEFAULT_MODEL'))
        assert.ok(read.has(variable), `${definition.name} names ${variable} but does not read it`);
    }
  });
});
