/**
 * ChatGPT's web backend errors as `ProviderError`s whose messages are safe to show a client: the
 * access token (and anything shaped like one) never appears, and each common failure (an expired
 * token, Cloudflare, the account's rate limit, a conversation gone upstream) says what it means.
 */

import { sanitizeUpstreamMessage } from '../shared/sanitize.ts';
import { parseJsonOrUndefined } from '../shared/upstream-http.ts';
import { headerValue, ProviderError, parseRetryAfter, type ResponseHeaders } from '../spec.ts';
import { detailOf, isRecord } from './chatgpt-web-wire.ts';

export const PROVIDER = 'chatgpt-web';
const BACKEND = "ChatGPT's web backend";

/** Access tokens are JWTs; a bearer header echoed back holds one too. */
const TOKEN_PATTERNS = [/\beyJ[\w-]{4,}\.[\w-]+(?:\.[\w-]*)?/g, /\bBearer\s+\S+/gi];

/** An upstream text made safe to show: without `secret`, token-shaped strings, or more than one line. */
export function safeUpstreamText(text: string, secret: string): string {
  let clean = secret === '' ? text : text.replaceAll(secret, '[redacted]');
  for (const pattern of TOKEN_PATTERNS) clean = clean.replace(pattern, '[redacted]');
  return sanitizeUpstreamMessage(clean);
}

function isHtml(contentType: string, bodyText: string): boolean {
  return contentType.includes('text/html') || /^\s*</.test(bodyText);
}

const CONCURRENT_PATTERN = /^only one message at a time/i;
const MISSING_CONVERSATION_PATTERN = /conversation.*(not found|can't load|cannot load|does not exist)/i;

/** The upstream's code for a detail, including the ones it only spells out in words. */
function codeOf(status: number, detail: { code?: string; message: string } | undefined): string | undefined {
  if (detail === undefined) return undefined;
  if (CONCURRENT_PATTERN.test(detail.message)) return 'concurrent_request';
  if (status === 404 && detail.code === undefined && MISSING_CONVERSATION_PATTERN.test(detail.message)) {
    return 'conversation_not_found';
  }
  return detail.code;
}

/** For a non-2xx answer: what went wrong in words a client can act on, status, code, retry-after. */
export function httpError(
  status: number,
  headers: ResponseHeaders,
  bodyText: string,
  secret: string,
): ProviderError {
  const html = isHtml(headerValue(headers, 'content-type') ?? '', bodyText);
  const detail = html ? undefined : detailOf(parseJsonOrUndefined(bodyText));
  const said = detail === undefined ? '' : safeUpstreamText(detail.message, secret);
  const colonSaid = said === '' ? '' : `: ${said}`;
  const retryAfterMs = parseRetryAfter(headers);
  let upstreamCode = codeOf(status, detail);
  let message: string;
  if (upstreamCode === 'concurrent_request') {
    message = `the ChatGPT account is already answering another message (HTTP ${status}; the backend allows one at a time)`;
  } else if (status === 401) {
    upstreamCode ??= 'invalid_token';
    message =
      `the ChatGPT access token has expired or is invalid (HTTP 401, ${upstreamCode}): ` +
      'get a new one and update the configured token (CHATGPT_ACCESS_TOKEN)';
  } else if (status === 403) {
    message = html
      ? `${BACKEND} refused the request (HTTP 403 with an HTML page, most likely a Cloudflare check): ` +
        'use a base URL whose proxy passes it'
      : `${BACKEND} refused the request (HTTP 403)${colonSaid}`;
  } else if (status === 404 && upstreamCode === 'conversation_not_found') {
    message =
      'the ChatGPT conversation this one continues no longer exists upstream ' +
      '(deleted there, or made with another account)';
  } else if (status === 404) {
    message = `${BACKEND} answered HTTP 404${colonSaid}: check the base URL (it usually ends in /backend-api/ or /api/)`;
  } else if (status === 429) {
    upstreamCode ??= 'rate_limit_exceeded';
    const wait = retryAfterMs === undefined ? '' : `; retry in ${Math.ceil(retryAfterMs / 1000)} s`;
    message = `the ChatGPT account hit its rate limit (HTTP 429)${colonSaid}${wait}`;
  } else if (status >= 500) {
    message = html
      ? `${BACKEND} failed (HTTP ${status} with an HTML error page, from Cloudflare or a proxy)`
      : `${BACKEND} failed (HTTP ${status})${colonSaid}`;
  } else {
    message = `${BACKEND} answered HTTP ${status}${colonSaid}`;
  }
  return new ProviderError(message, {
    kind: 'http',
    provider: PROVIDER,
    status,
    ...(upstreamCode === undefined ? {} : { upstreamCode }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** A 2xx answer that is not an event stream: a login page, a JSON error, something else. */
export function notAnEventStream(contentType: string, bodyText: string, secret: string): ProviderError {
  if (isHtml(contentType, bodyText)) {
    return invalidResponse(
      `${BACKEND} answered with an HTML page instead of an event stream (a login or Cloudflare page?)`,
    );
  }
  const detail = detailOf(parseJsonOrUndefined(bodyText));
  const said = detail === undefined ? '' : `: ${safeUpstreamText(detail.message, secret)}`;
  const type = contentType === '' ? 'no content-type' : `content-type ${contentType}`;
  return invalidResponse(`${BACKEND} did not answer with an event stream (${type})${said}`);
}

/** The words of an `error` (or `detail`) inside a stream event, or undefined when it has none. */
export function streamedErrorOf(event: Record<string, unknown>, secret: string): ProviderError | undefined {
  const { error } = event;
  let said: string | undefined;
  let upstreamCode: string | undefined;
  if (typeof error === 'string' && error !== '') said = error;
  else if (isRecord(error)) {
    said = typeof error.message === 'string' ? error.message : '';
    if (typeof error.code === 'string') upstreamCode = error.code;
  } else {
    const detail = detailOf(event);
    if (detail === undefined) return undefined;
    said = detail.message;
    upstreamCode = codeOf(0, detail);
  }
  const clean = safeUpstreamText(said, secret);
  return new ProviderError(`${BACKEND} failed mid-answer${clean === '' ? '' : `: ${clean}`}`, {
    kind: 'http',
    provider: PROVIDER,
    ...(upstreamCode === undefined ? {} : { upstreamCode }),
  });
}

export function invalidResponse(what: string): ProviderError {
  return new ProviderError(what, { kind: 'invalid-response', provider: PROVIDER });
}

/** The stream stopped before `[DONE]`: what arrived is an unfinished answer. */
export function cutOff(): ProviderError {
  return new ProviderError(`${BACKEND} closed the stream before the answer was complete`, {
    kind: 'network',
    provider: PROVIDER,
  });
}

export function abortedWhileQueued(): ProviderError {
  return new ProviderError(`the request to ${PROVIDER} was aborted while it waited for the account`, {
    kind: 'aborted',
    provider: PROVIDER,
  });
}
