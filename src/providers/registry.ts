/**
 * The model registry: turns a model name from a request into the `ChatModel` that serves it.
 * For now one OpenAI-compatible provider (from `OPENAI_API_KEY` / `OPENAI_BASE_URL`) serves every
 * model name; routes with several deployments come with the routing work.
 */

import type { Config } from '../config/config.ts';
import { OpenAICompatibleChatModel } from './openai-compatible/openai-compatible-chat-model.ts';
import type { ChatModel } from './spec.ts';

/** The model OpenAI serves when nothing names one; other upstreams need `PARLEY_DEFAULT_MODEL`. */
export const OPENAI_FALLBACK_MODEL = 'gpt-4o-mini';

export interface ModelRegistry {
  /** The model used when neither the request nor the conversation names one; undefined with no provider. */
  readonly defaultModel: string | undefined;
  /** The model for a name, or undefined when no provider serves it. */
  resolve(modelName: string): ChatModel | undefined;
  /** What to tell an operator when no provider is configured. */
  readonly setupAdvice: string;
}

export const NO_PROVIDER_ADVICE =
  'no model provider is configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for DeepSeek, Qwen, Ollama, vLLM, ' +
  'llama.cpp server, ...) and PARLEY_DEFAULT_MODEL, then restart';

/** Builds the registry from the frozen config. A model object is cheap: one is made per call. */
export function createModelRegistry(config: Config): ModelRegistry {
  const openai = config.openai;
  return {
    defaultModel: openai === undefined ? undefined : (config.defaultModel ?? OPENAI_FALLBACK_MODEL),
    setupAdvice: NO_PROVIDER_ADVICE,
    resolve(modelName) {
      if (openai === undefined) return undefined;
      return new OpenAICompatibleChatModel({
        baseUrl: openai.baseUrl,
        modelId: modelName,
        ...(openai.apiKey === undefined ? {} : { apiKey: openai.apiKey }),
      });
    },
  };
}
