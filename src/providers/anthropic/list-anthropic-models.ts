/**
 * `GET {baseUrl}/v1/models`: the models an Anthropic key may use (one page of up to 1,000, far
 * more than Anthropic serves), for Parley's own `/v1/models` and `GET /v1/models/{id}`.
 */

import { fetchModelIds } from '../shared/model-list.ts';
import { ANTHROPIC_VERSION } from './anthropic-chat-model.ts';
import { PROVIDER } from './anthropic-error.ts';

export function listAnthropicModels(
  settings: { readonly baseUrl: string; readonly apiKey: string },
  signal?: AbortSignal,
): Promise<readonly string[]> {
  return fetchModelIds(
    {
      provider: PROVIDER,
      url: `${settings.baseUrl}/v1/models?limit=1000`,
      headers: { 'x-api-key': settings.apiKey, 'anthropic-version': ANTHROPIC_VERSION },
    },
    signal,
  );
}
