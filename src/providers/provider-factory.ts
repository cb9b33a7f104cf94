/** Builds the `ChatModel` of one provider from what a deployment (or the environment) says of it. */

import {
  type Config,
  DEFAULT_ANTHROPIC_BASE_URL,
  DEFAULT_CHATGPT_BASE_URL,
  DEFAULT_OPENAI_BASE_URL,
} from '../config/config.ts';
import type { ProviderName } from '../config/routing-config.ts';
import { AnthropicChatModel } from './anthropic/anthropic-chat-model.ts';
import { ChatGPTWebChatModel } from './chatgpt-web/chatgpt-web-chat-model.ts';
import { LocalChatModel } from './local/local-chat-model.ts';
import { OpenAICompatibleChatModel } from './openai-compatible/openai-compatible-chat-model.ts';
import type { ChatModel } from './spec.ts';

export interface ProviderModelSpec {
  readonly provider: ProviderName;
  /** The upstream's model id; for `local`, the GGUF path or `hf:` URI. */
  readonly model: string;
  readonly baseUrl?: string;
  /** The API key, or ChatGPT's access token. */
  readonly apiKey?: string;
}

/** Builds the model; `local` also takes the engine settings of the environment. */
export function createProviderModel(spec: ProviderModelSpec, config: Pick<Config, 'localEngine'>): ChatModel {
  switch (spec.provider) {
    case 'openai-compatible':
      return new OpenAICompatibleChatModel({
        baseUrl: (spec.baseUrl ?? DEFAULT_OPENAI_BASE_URL).replace(/\/+$/, ''),
        modelId: spec.model,
        ...(spec.apiKey === undefined ? {} : { apiKey: spec.apiKey }),
      });
    case 'anthropic':
      return new AnthropicChatModel({
        baseUrl: (spec.baseUrl ?? DEFAULT_ANTHROPIC_BASE_URL).replace(/\/+$/, ''),
        modelId: spec.model,
        apiKey: spec.apiKey ?? '',
      });
    case 'chatgpt-web':
      return new ChatGPTWebChatModel({
        baseUrl: spec.baseUrl ?? DEFAULT_CHATGPT_BASE_URL,
        accessToken: spec.apiKey ?? '',
        modelId: spec.model,
      });
    case 'local': {
      const { modelsDir, gpu, threads } = config.localEngine;
      return new LocalChatModel({
        modelPath: spec.model,
        cacheDir: modelsDir,
        gpu,
        ...(threads === undefined ? {} : { threads }),
      });
    }
  }
}
