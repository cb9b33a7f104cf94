/**
 * `GET` of an upstream's model list (`{"data": [{"id": ...}, ...]}`, the shape both OpenAI's
 * `/models` and Anthropic's `/v1/models` answer with), for Parley's own `/v1/models`.
 */

import { ProviderError } from '../spec.ts';

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

/** The model ids at `url`; a `ProviderError` naming `provider` when they cannot be read. */
export async function fetchModelIds(
  request: {
    readonly provider: string;
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
  },
  signal?: AbortSignal,
): Promise<readonly string[]> {
  const { provider } = request;
  const timeout = AbortSignal.timeout(LIST_TIMEOUT_MS);
  const response = await fetch(request.url, {
    headers: { accept: 'application/json', ...request.headers },
    signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
  }).catch((error: unknown) => {
    throw new ProviderError('the upstream did not answer its model list', {
      kind: timeout.aborted ? 'timeout' : 'network',
      provider,
      cause: error,
    });
  });
  const body: unknown = response.ok ? await response.json().catch(() => undefined) : undefined;
  if (!response.ok || !isModelList(body)) {
    await response.body?.cancel();
    throw new ProviderError(`the upstream answered its model list with status ${response.status}`, {
      kind: response.ok ? 'invalid-response' : 'http',
      provider,
      status: response.status,
    });
  }
  return body.data.map((model) => model.id);
}
