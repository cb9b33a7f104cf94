/**
 * `GET {baseUrl}/models`: the model ids an OpenAI-compatible upstream serves (OpenAI, Ollama,
 * vLLM, LM Studio and most others answer it), for Parley's own `/v1/models`.
 */

import { fetchModelIds } from '../shared/model-list.ts';
import { PROVIDER } from './openai-error.ts';

export function listOpenAIModels(
  settings: { readonly baseUrl: string; readonly apiKey?: string },
  signal?: AbortSignal,
): Promise<readonly string[]> {
  const headers = settings.apiKey === undefined ? {} : { authorization: `Bearer ${settings.apiKey}` };
  return fetchModelIds({ provider: PROVIDER, url: `${settings.baseUrl}/models`, headers }, signal);
}
