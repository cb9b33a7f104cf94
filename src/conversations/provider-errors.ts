/** Maps a provider's failure to the Parley error a client sees (status, retry-after, message). */

import { ParleyError } from '../errors.ts';
import { ProviderError } from '../providers/spec.ts';

/**
 * Upstream 4xx that describe the request (bad parameters, context too long) are the client's to
 * fix: 400, or 404 for a model the upstream does not serve. A 429 passes its `retry-after` on.
 * Everything else is upstream trouble: 502/503/504.
 */
export function toParleyError(error: unknown): ParleyError {
  if (error instanceof ParleyError) return error;
  if (!(error instanceof ProviderError)) {
    return new ParleyError('INTERNAL', 'internal error while generating the answer', { cause: error });
  }
  const options = { cause: error, ...retryAfter(error) };
  switch (error.kind) {
    case 'aborted':
      return new ParleyError('CANCELLED', 'the request was cancelled', options);
    case 'timeout':
      return new ParleyError('UPSTREAM_TIMEOUT', `the model provider did not answer in time`, options);
    case 'network':
      return new ParleyError(
        'UPSTREAM_ERROR',
        `could not reach the model provider: ${error.message}`,
        options,
      );
    case 'invalid-response':
      return new ParleyError(
        'UPSTREAM_ERROR',
        `the model provider sent an invalid answer: ${error.message}`,
        options,
      );
    case 'unavailable':
      return new ParleyError('UPSTREAM_UNAVAILABLE', `the model cannot be used: ${error.message}`, options);
    case 'unsupported':
      return new ParleyError('BAD_REQUEST', error.message, {
        ...options,
        ...(error.param === undefined ? {} : { param: error.param }),
      });
    case 'http':
      return fromStatus(error, options);
  }
}

function fromStatus(
  error: ProviderError,
  options: { cause: unknown; retryAfterSeconds?: number },
): ParleyError {
  const status = error.status ?? 502;
  if (status === 429) return new ParleyError('UPSTREAM_RATE_LIMITED', error.message, options);
  // The upstream does not serve the model it was asked for (OpenAI's code, or a 404 saying so, as
  // Ollama's and Anthropic's do): OpenAI's own 404, as `GET /v1/models/{id}` answers for it.
  if (status === 404 && (error.upstreamCode === 'model_not_found' || /\bmodel\b/i.test(error.message))) {
    return new ParleyError('MODEL_NOT_FOUND', error.message, { ...options, param: 'model' });
  }
  if (status === 400 || status === 413 || status === 422) {
    return new ParleyError('UPSTREAM_BAD_REQUEST', error.message, options);
  }
  if (status === 401 || status === 403) {
    // The provider's words say which credential and what to do (e.g. renew an expired token).
    return new ParleyError(
      'UPSTREAM_ERROR',
      `the model provider rejected Parley’s credentials: ${error.message}`,
      options,
    );
  }
  if (status === 408 || status === 504) return new ParleyError('UPSTREAM_TIMEOUT', error.message, options);
  if (status === 503 || status === 529)
    return new ParleyError('UPSTREAM_UNAVAILABLE', error.message, options);
  return new ParleyError('UPSTREAM_ERROR', error.message, options);
}

function retryAfter(error: ProviderError): { retryAfterSeconds?: number } {
  return error.retryAfterMs === undefined ? {} : { retryAfterSeconds: Math.ceil(error.retryAfterMs / 1000) };
}
