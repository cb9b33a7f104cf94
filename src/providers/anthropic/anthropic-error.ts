/** Anthropic's error answers as `ProviderError`s whose messages are safe to show. */

import { sanitizeUpstreamMessage } from '../shared/sanitize.ts';
import { parseJsonOrUndefined } from '../shared/upstream-http.ts';
import { ProviderError, parseRetryAfter, type ResponseHeaders } from '../spec.ts';
import { isErrorBody } from './anthropic-wire.ts';

export const PROVIDER = 'anthropic';

function describe(body: unknown): { type?: string; message: string } {
  if (!isErrorBody(body)) return { message: '' };
  const type = typeof body.error.type === 'string' ? body.error.type : undefined;
  const message = typeof body.error.message === 'string' ? sanitizeUpstreamMessage(body.error.message) : '';
  return { ...(type === undefined ? {} : { type }), message };
}

/** A non-2xx answer: status, the error type (e.g. `overloaded_error`), retry-after. */
export function httpError(status: number, headers: ResponseHeaders, bodyText: string): ProviderError {
  const { type, message } = describe(parseJsonOrUndefined(bodyText));
  const retryAfterMs = parseRetryAfter(headers);
  const text =
    status === 401 || status === 403
      ? `Anthropic refused the credentials (HTTP ${status})`
      : `Anthropic answered HTTP ${status}${message === '' ? '' : `: ${message}`}`;
  return new ProviderError(text, {
    kind: 'http',
    provider: PROVIDER,
    status,
    ...(type === undefined ? {} : { upstreamCode: type }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** An `event: error` inside a stream (e.g. `overloaded_error` mid-answer). */
export function streamedError(body: unknown): ProviderError {
  const { type, message } = describe(body);
  // An overload mid-stream is the 529 Anthropic would have answered before it.
  const status = type === 'overloaded_error' ? 529 : undefined;
  return new ProviderError(`Anthropic failed mid-stream${message === '' ? '' : `: ${message}`}`, {
    kind: 'http',
    provider: PROVIDER,
    ...(status === undefined ? {} : { status }),
    ...(type === undefined ? {} : { upstreamCode: type }),
  });
}

export function invalidResponse(what: string): ProviderError {
  return new ProviderError(what, { kind: 'invalid-response', provider: PROVIDER });
}
