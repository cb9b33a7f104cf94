/**
 * The `chatgpt-web` provider's definition: ChatGPT's web backend with an account's access token
 * (`CHATGPT_ACCESS_TOKEN`, or `access_token` as the original chatgpt-webapi read it). It serves
 * `chatgpt-web/<model>`, and every name when it is the first provider set up. The backend keeps
 * conversations itself, so titles and deletes are echoed there.
 */

import type { ModelTarget, ProviderDefinition } from '../provider-definition.ts';
import { CHATGPT_WEB_CAPABILITIES, ChatGPTWebChatModel } from './chatgpt-web-chat-model.ts';
import { PROVIDER } from './chatgpt-web-error.ts';

/** Reverse proxies' `.../api/` works too; the model adds a missing `/`. */
export const DEFAULT_CHATGPT_BASE_URL = 'https://chatgpt.com/backend-api/';
/** ChatGPT's web backend picks the account's default model for `auto`. */
export const CHATGPT_WEB_FALLBACK_MODEL = 'auto';

export const chatgptWeb: ProviderDefinition = {
  name: PROVIDER,
  prefix: PROVIDER,
  takesEveryName: true,
  setupHint: 'CHATGPT_ACCESS_TOKEN',
  needsKey: true,
  keepsUpstreamThreads: true,
  capabilities: CHATGPT_WEB_CAPABILITIES,
  contextWindows: [],
  configure(reader) {
    // `access_token` is the name the original chatgpt-webapi read; both work.
    const accessToken = reader.string('CHATGPT_ACCESS_TOKEN') ?? reader.string('access_token');
    const baseUrl = reader.url('CHATGPT_BASE_URL', ['http:', 'https:']);
    const createModel = (target: ModelTarget) =>
      new ChatGPTWebChatModel({
        baseUrl: target.baseUrl ?? DEFAULT_CHATGPT_BASE_URL,
        accessToken: target.apiKey ?? '',
        modelId: target.model,
      });
    if (accessToken === undefined) return { createModel };
    return {
      createModel,
      environment: {
        defaultModel: CHATGPT_WEB_FALLBACK_MODEL,
        createModel: (modelId) =>
          createModel({ model: modelId, apiKey: accessToken, ...(baseUrl === undefined ? {} : { baseUrl }) }),
      },
    };
  },
};
