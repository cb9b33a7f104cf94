/**
 * The `anthropic` provider's definition: the Messages API, set up by `ANTHROPIC_API_KEY`. It
 * serves `anthropic/<model>` and `claude…` names whatever else is set up, and every name when it
 * is the first provider set up; its upstream lists its models.
 */

import type { ModelTarget, ProviderDefinition } from '../provider-definition.ts';
import { ANTHROPIC_CAPABILITIES, AnthropicChatModel } from './anthropic-chat-model.ts';
import { PROVIDER } from './anthropic-error.ts';
import { listAnthropicModels } from './list-anthropic-models.ts';

/** The API's root, without `/v1`. */
export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_FALLBACK_MODEL = 'claude-sonnet-4-5';

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

export const anthropic: ProviderDefinition = {
  name: PROVIDER,
  prefix: PROVIDER,
  takesEveryName: true,
  setupHint: 'ANTHROPIC_API_KEY',
  needsKey: true,
  keepsUpstreamThreads: false,
  capabilities: ANTHROPIC_CAPABILITIES,
  contextWindows: [['claude', 200_000]],
  configure(reader) {
    const apiKey = reader.string('ANTHROPIC_API_KEY');
    const baseUrl = reader.url('ANTHROPIC_BASE_URL', ['http:', 'https:']);
    const createModel = (target: ModelTarget) =>
      new AnthropicChatModel({
        baseUrl: withoutTrailingSlash(target.baseUrl ?? DEFAULT_ANTHROPIC_BASE_URL),
        modelId: target.model,
        apiKey: target.apiKey ?? '',
      });
    if (apiKey === undefined) return { createModel };
    return {
      createModel,
      environment: {
        defaultModel: ANTHROPIC_FALLBACK_MODEL,
        claims: (modelName) => modelName.startsWith('claude'),
        createModel: (modelId) =>
          createModel({ model: modelId, apiKey, ...(baseUrl === undefined ? {} : { baseUrl }) }),
        listModels: (signal) =>
          listAnthropicModels(
            { baseUrl: withoutTrailingSlash(baseUrl ?? DEFAULT_ANTHROPIC_BASE_URL), apiKey },
            signal,
          ),
      },
    };
  },
};
