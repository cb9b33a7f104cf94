/**
 * Parley built in process and listening on a free loopback port, in front of a fake
 * OpenAI-compatible upstream and a fake Anthropic upstream, as the client libraries' tests need:
 * they speak HTTP, so the app must listen. `fake-model` (the default) goes to the OpenAI-compatible
 * upstream, `claude-…` names to Anthropic.
 */

import { loadConfig } from '../../src/config/config.ts';
import { createModelRegistry } from '../../src/providers/registry.ts';
import { FakeOpenAIUpstream } from './fake-openai-upstream.ts';
import { buildTestApp } from './test-app.ts';

export interface ParleyWithUpstreams {
  /** E.g. `http://127.0.0.1:41234/v1`, the base URL an OpenAI client takes. */
  readonly v1: string;
  readonly openai: FakeOpenAIUpstream;
  readonly anthropic: FakeOpenAIUpstream;
  close(): Promise<void>;
}

export async function startParleyWithUpstreams(
  env: Record<string, string> = {},
): Promise<ParleyWithUpstreams> {
  const openai = await FakeOpenAIUpstream.start();
  const anthropic = await FakeOpenAIUpstream.start('anthropic');
  const settings = {
    DATABASE_URL: 'sqlite::memory:',
    OPENAI_API_KEY: 'sk-upstream',
    OPENAI_BASE_URL: openai.baseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-upstream',
    ANTHROPIC_BASE_URL: anthropic.baseUrl,
    PARLEY_DEFAULT_MODEL: 'fake-model',
    ...env,
  };
  const parley = await buildTestApp({ env: settings, models: createModelRegistry(loadConfig(settings)) });
  const address = await parley.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    v1: `${address}/v1`,
    openai,
    anthropic,
    async close() {
      await parley.app.close();
      await Promise.all([openai.close(), anthropic.close()]);
    },
  };
}
