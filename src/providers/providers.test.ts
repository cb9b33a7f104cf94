/**
 * A provider is a folder plus a line: a definition added to the list (here, a test's own `echo`
 * provider) is configured from the environment and the config file, claims its names, routes,
 * answers through the real app and is shut down with it — with no other file edited.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildTestApp } from '../../test/support/test-app.ts';
import { ConfigError, loadConfig } from '../config/config.ts';
import { EnvironmentReader } from '../config/environment-reader.ts';
import type { ModelTarget, ProviderDefinition } from './provider-definition.ts';
import { PROVIDERS } from './providers.ts';
import { createModelRegistry } from './registry.ts';
import type { ChatModel, GenerateResult, PromptMessage, StreamPart } from './spec.ts';

/** Answers `<voice> <model id>: <last user message>`, word by word. */
class EchoChatModel implements ChatModel {
  readonly provider = 'echo';
  readonly modelId: string;
  readonly #voice: string;

  constructor(target: ModelTarget) {
    this.modelId = target.model;
    this.#voice = target.apiKey ?? 'anonymous';
  }

  async doGenerate(prompt: readonly PromptMessage[]): Promise<GenerateResult> {
    return { text: this.#answer(prompt), finishReason: 'stop' };
  }

  async *doStream(prompt: readonly PromptMessage[]): AsyncGenerator<StreamPart> {
    for (const word of this.#answer(prompt).split(/(?<= )/)) yield { type: 'text-delta', delta: word };
    yield { type: 'finish', finishReason: 'stop' };
  }

  #answer(prompt: readonly PromptMessage[]): string {
    const question = prompt.findLast((message) => message.role === 'user')?.content ?? '';
    return `${this.#voice} ${this.modelId}: ${question}`;
  }
}

let shutdowns = 0;
let warmUps = 0;

/** What a new provider's `definition.ts` would export. */
const echo: ProviderDefinition = {
  name: 'echo',
  prefix: 'echo',
  takesEveryName: false,
  setupHint: 'ECHO_VOICE',
  needsKey: true,
  keepsUpstreamThreads: false,
  capabilities: { tools: false, responseFormat: false, images: false, files: false, reasoning: false },
  contextWindows: [['echo-', 4_096]],
  configure(reader) {
    const voice = reader.string('ECHO_VOICE');
    const baseUrl = reader.url('ECHO_URL', ['http:', 'https:']);
    const createModel = (target: ModelTarget) => new EchoChatModel(target);
    if (voice === undefined) return { createModel };
    return {
      createModel,
      environment: {
        defaultModel: 'echo-1',
        claims: (modelName) => modelName.startsWith('echo-'),
        createModel: (modelId) =>
          createModel({ model: modelId, apiKey: voice, ...(baseUrl === undefined ? {} : { baseUrl }) }),
        warmUp: async () => {
          warmUps += 1;
        },
      },
    };
  },
  async shutdown() {
    shutdowns += 1;
  },
};

/** The one line a new provider adds to `providers.ts`. */
const withEcho = [...PROVIDERS, echo];

const folder = mkdtempSync(join(tmpdir(), 'parley-providers-'));
after(() => rmSync(folder, { recursive: true, force: true }));

function configFile(name: string, lines: readonly string[]): string {
  const path = join(folder, name);
  writeFileSync(path, lines.join('\n'));
  return path;
}

describe('a provider added to the list', () => {
  it('claims its names and its prefix, and leaves the rest to the providers before it', () => {
    const models = createModelRegistry(loadConfig({ OPENAI_API_KEY: 'sk-a', ECHO_VOICE: 'hey' }), withEcho);
    assert.equal(models.defaultModel, 'gpt-4o-mini', 'the first provider set up gives the default');
    assert.equal(models.resolve('echo-2')?.provider, 'echo');
    assert.equal(models.resolve('echo/anything')?.modelId, 'anything');
    assert.equal(models.resolve('gpt-4o')?.provider, 'openai-compatible');
    assert.equal(models.contextWindow?.('echo-2'), 4_096);
    assert.match(models.setupAdvice, / or ECHO_VOICE, or routes in PARLEY_CONFIG/);
    assert.deepEqual(
      models.warmUp?.().map(({ provider, model }) => [provider, model]),
      [['echo', 'echo-1']],
    );
    assert.equal(warmUps, 1);

    const alone = createModelRegistry(loadConfig({ ECHO_VOICE: 'hey' }), withEcho);
    assert.equal(alone.defaultModel, 'echo-1');
    assert.equal(alone.resolve('gpt-4o'), undefined, 'it does not take every name');
    const unset = createModelRegistry(loadConfig({ OPENAI_API_KEY: 'sk-a' }), withEcho);
    assert.equal(unset.resolve('echo-2')?.provider, 'openai-compatible', 'not set up: it claims nothing');
  });

  it('reads its own variables and deployments, naming what is wrong', () => {
    assert.throws(
      () => createModelRegistry(loadConfig({ ECHO_VOICE: 'hey', ECHO_URL: 'gopher://x' }), withEcho),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.length === 1 &&
        error.problems[0] === 'ECHO_URL: expected a http or https URL',
    );
    const keyless = configFile('keyless.yaml', ['deployments:', '  e: { provider: echo, model: echo-9 }']);
    assert.throws(
      () => createModelRegistry(loadConfig({ PARLEY_CONFIG: keyless }), withEcho),
      /deployments\.e: the echo provider needs api_key or api_key_env/,
    );
    assert.throws(
      () => createModelRegistry(loadConfig({ PARLEY_CONFIG: keyless })),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems[0]?.endsWith(
          `deployments.e.provider: must be one of ${PROVIDERS.map(({ name }) => name).join(', ')}`,
        ) === true,
      'without its line, the provider is unknown',
    );
  });

  it('answers through the app, directly and over a route of the config file, and shuts down with it', async () => {
    const path = configFile('routes.yaml', [
      'deployments:',
      '  broken: { provider: openai-compatible, model: m, base_url: "http://127.0.0.1:9/v1" }',
      '  loud: { provider: echo, model: echo-loud, api_key_env: LOUD_VOICE }',
      'routes:',
      '  shout: { deployments: [broken], fallbacks: [loud] }',
    ]);
    const env = { PARLEY_CONFIG: path, LOUD_VOICE: 'HEY', ECHO_VOICE: 'hey' };
    const parley = await buildTestApp({ env, models: createModelRegistry(loadConfig(env), withEcho) });
    try {
      const ask = async (model: string, stream = false) =>
        parley.app.inject({
          method: 'POST',
          url: '/v1/chat/completions',
          payload: { model, stream, messages: [{ role: 'user', content: 'are you there?' }] },
        });
      const direct = await ask('echo-3');
      assert.equal(direct.statusCode, 200, direct.body);
      const body = direct.json() as { model: string; choices: { message: { content: string } }[] };
      assert.equal(body.choices[0]?.message.content, 'hey echo-3: are you there?');
      assert.equal(body.model, 'echo-3');

      const routed = await ask('shout', true);
      assert.equal(routed.statusCode, 200, routed.body);
      assert.match(routed.headers['x-parley-route'] as string, /^broken;error=network, loud;ok$/);
      const text = routed.body
        .split('\n\n')
        .filter((frame) => frame.startsWith('data: {'))
        .map(
          (frame) => (JSON.parse(frame.slice(6)) as { choices: { delta: { content?: string } }[] }).choices,
        )
        .map((choices) => choices[0]?.delta.content ?? '')
        .join('');
      assert.equal(text, 'HEY echo-loud: are you there?');
    } finally {
      const before = shutdowns;
      await parley.app.close();
      await parley.store.close();
      assert.equal(shutdowns, before + 1, 'closing the app shut the provider down');
    }
  });
});

describe('the built-in definitions', () => {
  it('declare what their models report: their name and capabilities', () => {
    for (const definition of PROVIDERS) {
      const configured = definition.configure(new EnvironmentReader({}, []));
      const model = configured.createModel({ model: 'some-model', apiKey: 'k' });
      assert.equal(model.provider, definition.name);
      assert.deepEqual(
        model.capabilities ?? {
          tools: false,
          responseFormat: false,
          images: false,
          files: false,
          reasoning: false,
        },
        definition.capabilities,
        definition.name,
      );
    }
  });
});
