/**
 * `GET {baseUrl}/models`: the model ids an OpenAI-compatible upstream serves (OpenAI, Ollama,
 * vLLM, LM Studio and most others answer it), for Parley's own `/v1/models`.
 */

import { ProviderError } from '../spec.ts';
import { PROVIDER } from './openai-error.ts';

/** A model list is small: an upstream slower than this is left out of the list. */
const LIST_TIMEOUT_MS = 5_000;

interface ModelList {
  readonly data: readonly { readonly id: string }[];
}

function isModelList(value: unknown): value is ModelList {
  if (typeof value !== 'object' || value === null) return false;
  const data = (value as { data?: unknown }).data;
  return (
    Array.isArray(data) &&
    data.every((model) => typeof model === 'object' && model !== null && typeof model.id === 'string')
  );
}

export async function listOpenAIModels(
  settings: { readonly baseUrl: string; readonly apiKey?: string },
  signal?: AbortSignal,
): Promise<readonly string[]> {
  const timeout = AbortSignal.timeout(LIST_TIMEOUT_MS);
  const response = await fetch(`${settings.baseUrl}/models`, {
    headers: {
      accept: 'application/json',
      ...(settings.apiKey === undefined ? {} : { authorization: `Bearer ${settings.apiKey}` }),
    },
    signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
  }).catch((error: unknown) => {
    throw new ProviderError('the upstream did not answer its model list', {
      kind: timeout.aborted ? 'timeout' : 'network',
      provider: PROVIDER,
      cause: error,
    });
  });
  const body: unknown = response.ok ? await response.json().catch(() => undefined) : undefined;
  if (!response.ok || !isModelList(body)) {
    await response.body?.cancel();
    throw new ProviderError(`the upstream answered its model list with status ${response.status}`, {
      kind: response.ok ? 'invalid-response' : 'http',
      provider: PROVIDER,
      status: response.status,
    });
  }
  return body.data.map((model) => model.id);
}
