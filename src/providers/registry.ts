/**
 * The model registry: turns a model name from a request into the `ChatModel` that serves it.
 * Until routes come from the config file: a name starting with `claude` goes to Anthropic when
 * `ANTHROPIC_API_KEY` is set; every other name goes to the OpenAI-compatible provider when it is
 * configured (and to Anthropic when it is the only provider).
 */

import type { Config } from '../config/config.ts';
import { AnthropicChatModel } from './anthropic/anthropic-chat-model.ts';
import { OpenAICompatibleChatModel } from './openai-compatible/openai-compatible-chat-model.ts';
import type { ChatModel } from './spec.ts';

/** The model OpenAI serves when nothing names one; other upstreams need `PARLEY_DEFAULT_MODEL`. */
export const OPENAI_FALLBACK_MODEL = 'gpt-4o-mini';
export const ANTHROPIC_FALLBACK_MODEL = 'claude-sonnet-4-5';

export interface ModelRegistry {
  /** The model used when neither the request nor the conversation names one; undefined with no provider. */
  readonly defaultModel: string | undefined;
  /** The model for a name, or undefined when no provider serves it. */
  resolve(modelName: string): ChatModel | undefined;
  /** What to tell an operator when no provider is configured. */
  readonly setupAdvice: string;
  /** True when some model keeps conversations upstream (titles and deletes are echoed there). */
  readonly keepsUpstreamThreads?: boolean;
}

export const NO_PROVIDER_ADVICE =
  'no model provider is configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for DeepSeek, Qwen, Ollama, vLLM, ' +
  'llama.cpp server, ...) or ANTHROPIC_API_KEY, and PARLEY_DEFAULT_MODEL, then restart';

/** Builds the registry from the frozen config. A model object is cheap: one is made per call. */
export function createModelRegistry(config: Config): ModelRegistry {
  const { openai, anthropic } = config;
  const fallback =
    openai !== undefined
      ? OPENAI_FALLBACK_MODEL
      : anthropic !== undefined
        ? ANTHROPIC_FALLBACK_MODEL
        : undefined;
  return {
    defaultModel: fallback === undefined ? undefined : (config.defaultModel ?? fallback),
    setupAdvice: NO_PROVIDER_ADVICE,
    resolve(modelName) {
      if (anthropic !== undefined && (modelName.startsWith('claude') || openai === undefined)) {
        return new AnthropicChatModel({
          baseUrl: anthropic.baseUrl,
          modelId: modelName,
          apiKey: anthropic.apiKey,
        });
      }
      if (openai === undefined) return undefined;
      return new OpenAICompatibleChatModel({
        baseUrl: openai.baseUrl,
        modelId: modelName,
        ...(openai.apiKey === undefined ? {} : { apiKey: openai.apiKey }),
      });
    },
  };
}
