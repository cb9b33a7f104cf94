/**
 * The `openai-compatible` provider's definition: OpenAI and every server that speaks
 * `/chat/completions` (DeepSeek, Qwen, Groq, Mistral, vLLM, Ollama, llama.cpp server, LM Studio).
 * Set up by `OPENAI_API_KEY` and/or `OPENAI_BASE_URL`; it has no prefix and takes every name no
 * other provider claims (routers such as OpenRouter use names like `openai/gpt-4o` themselves).
 */

import type { ModelTarget, ProviderDefinition } from '../provider-definition.ts';
import { listOpenAIModels } from './list-openai-models.ts';
import { OPENAI_COMPATIBLE_CAPABILITIES, OpenAICompatibleChatModel } from './openai-compatible-chat-model.ts';
import { PROVIDER } from './openai-error.ts';

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** The model OpenAI serves when nothing names one; other upstreams need `PARLEY_DEFAULT_MODEL`. */
export const OPENAI_FALLBACK_MODEL = 'gpt-4o-mini';

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

export const openaiCompatible: ProviderDefinition = {
  name: PROVIDER,
  takesEveryName: true,
  setupHint: 'OPENAI_API_KEY (and OPENAI_BASE_URL for DeepSeek, Qwen, Ollama, vLLM, llama.cpp server, ...)',
  needsKey: false,
  keepsUpstreamThreads: false,
  capabilities: OPENAI_COMPATIBLE_CAPABILITIES,
  contextWindows: [
    ['gpt-4.1', 1_047_576],
    ['gpt-4o', 128_000],
    ['gpt-4-turbo', 128_000],
    ['gpt-4', 8_192],
    ['gpt-3.5-turbo', 16_385],
    ['gpt-5', 400_000],
    ['o1', 200_000],
    ['o3', 200_000],
    ['o4', 200_000],
    // Open-weight families, as DeepSeek, DashScope, Mistral or a local server serve them.
    ['deepseek', 128_000],
    ['qwen', 131_072],
    ['mistral-large', 131_072],
    ['llama-3', 131_072],
    ['llama3', 8_192],
    ['gemma', 8_192],
  ],
  configure(reader) {
    const apiKey = reader.string('OPENAI_API_KEY');
    const baseUrl = reader.url('OPENAI_BASE_URL', ['http:', 'https:']);
    const createModel = (target: ModelTarget) =>
      new OpenAICompatibleChatModel({
        baseUrl: withoutTrailingSlash(target.baseUrl ?? DEFAULT_OPENAI_BASE_URL),
        modelId: target.model,
        ...(target.apiKey === undefined ? {} : { apiKey: target.apiKey }),
      });
    // A local server needs no key: the base URL alone sets the provider up.
    if (apiKey === undefined && baseUrl === undefined) return { createModel };
    const fromEnvironment = {
      baseUrl: withoutTrailingSlash(baseUrl ?? DEFAULT_OPENAI_BASE_URL),
      ...(apiKey === undefined ? {} : { apiKey }),
    };
    return {
      createModel,
      environment: {
        defaultModel: OPENAI_FALLBACK_MODEL,
        createModel: (modelId) => createModel({ ...fromEnvironment, model: modelId }),
        listModels: (signal) => listOpenAIModels(fromEnvironment, signal),
      },
    };
  },
};
