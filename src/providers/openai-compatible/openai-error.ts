/** Turns an OpenAI-style error answer into a `ProviderError` whose message is safe to show. */

import { sanitizeUpstreamMessage } from '../shared/sanitize.ts';
import { parseJsonOrUndefined } from '../shared/upstream-http.ts';
import { headerValue, ProviderError, parseRetryAfter, type ResponseHeaders } from '../spec.ts';
import { isErrorBody } from './openai-wire.ts';

export const PROVIDER = 'openai-compatible';

/** The upstream's own error code or type from an error body (`{"error": {...}}`), if any. */
function upstreamCodeOf(body: unknown): string | undefined {
  if (!isErrorBody(body)) return undefined;
  const { code, type } = body.error;
  if (typeof code === 'string') return code;
  return typeof type === 'string' ? type : undefined;
}

/** For a non-2xx answer: status, code, retry-after, and the upstream's message when it is usable. */
export function httpError(status: number, headers: ResponseHeaders, bodyText: string): ProviderError {
  const body = parseJsonOrUndefined(bodyText);
  const upstreamCode = upstreamCodeOf(body);
  const retryAfterMs = parseRetryAfter(headers);
  const upstreamMessage =
    isErrorBody(body) && typeof body.error.message === 'string'
      ? sanitizeUpstreamMessage(body.error.message)
      : '';
  const message =
    status === 401 || status === 403
      ? `the upstream refused the credentials (HTTP ${status})`
      : `the upstream answered HTTP ${status}${upstreamMessage === '' ? '' : `: ${upstreamMessage}`}`;
  return new ProviderError(message, {
    kind: 'http',
    provider: PROVIDER,
    status,
    ...(upstreamCode === undefined ? {} : { upstreamCode }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** An `{"error": ...}` object sent inside a stream (vLLM, OpenRouter and others do this). */
export function streamedError(body: unknown): ProviderError {
  const upstreamCode = upstreamCodeOf(body);
  const message =
    isErrorBody(body) && typeof body.error.message === 'string'
      ? sanitizeUpstreamMessage(body.error.message)
      : '';
  return new ProviderError(`the upstream failed mid-stream${message === '' ? '' : `: ${message}`}`, {
    kind: 'http',
    provider: PROVIDER,
    ...(upstreamCode === undefined ? {} : { upstreamCode }),
  });
}

export function invalidResponse(what: string, contentType?: string): ProviderError {
  const type = contentType === undefined ? '' : ` (content-type ${contentType})`;
  return new ProviderError(`${what}${type}`, { kind: 'invalid-response', provider: PROVIDER });
}

export function contentTypeOf(headers: ResponseHeaders): string | undefined {
  return headerValue(headers, 'content-type');
}
