/**
 * The HTTP plumbing every provider shares: one keep-alive connection pool (undici), a POST that
 * turns transport failures into `ProviderError`s, and an SSE reader that yields events as the
 * bytes arrive. Providers own their wire formats; this file only moves bytes.
 */

import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Agent, errors } from 'undici';
import { ProviderError, type ResponseHeaders } from '../spec.ts';
import { BodyDispatchHandler, type UpstreamHead } from './upstream-body.ts';

/** How long an upstream may take to send its headers, and to go quiet between two body chunks. */
export interface UpstreamTimeouts {
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
}

export const DEFAULT_UPSTREAM_TIMEOUTS: UpstreamTimeouts = {
  headersTimeoutMs: 120_000,
  bodyTimeoutMs: 120_000,
};

/**
 * One pool for the process: connections to an upstream are reused across requests. No cap on
 * connections per upstream: every open stream holds one, and a cap would queue streams silently.
 */
const sharedAgent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });

export interface UpstreamPost {
  readonly provider: string;
  /** POST unless set (ChatGPT's backend renames and hides conversations with PATCH). */
  readonly method?: 'POST' | 'PATCH';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly signal: AbortSignal | undefined;
  readonly timeouts: UpstreamTimeouts;
}

export type UpstreamResponse = UpstreamHead;

/** POSTs a JSON body. Resolves with any HTTP status; rejects only with a `ProviderError`. */
export async function postUpstream(post: UpstreamPost): Promise<UpstreamResponse> {
  try {
    const url = new URL(post.url);
    return await new Promise<UpstreamHead>((resolve, reject) => {
      sharedAgent.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: post.method ?? 'POST',
          headers: { 'content-type': 'application/json', ...post.headers },
          body: post.body,
          headersTimeout: post.timeouts.headersTimeoutMs,
          bodyTimeout: post.timeouts.bodyTimeoutMs,
        },
        new BodyDispatchHandler(post.signal, resolve, reject),
      );
    });
  } catch (error) {
    throw transportError(post.provider, error, post.signal);
  }
}

/**
 * POSTs and returns a 2xx answer; any other status is read and turned into the provider's error
 * by `toError` (each provider knows its error body).
 */
export async function postOrThrow(
  post: UpstreamPost,
  toError: (status: number, headers: ResponseHeaders, bodyText: string) => ProviderError,
): Promise<UpstreamResponse> {
  const response = await postUpstream(post);
  if (response.status >= 200 && response.status < 300) return response;
  const text = await readBodyText(post.provider, response, post.signal).catch(() => '');
  throw toError(response.status, response.headers, text);
}

/** The parsed JSON, or undefined when the text is not JSON (type guards decide the rest). */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads a whole (small) body as text, mapping transport failures. */
export async function readBodyText(
  provider: string,
  response: UpstreamResponse,
  signal: AbortSignal | undefined,
): Promise<string> {
  try {
    return await response.body.text();
  } catch (error) {
    throw transportError(provider, error, signal);
  }
}

/**
 * Yields server-sent events as they arrive. A chunk may end mid-line or mid-character: the
 * decoder and the parser carry the remainder. When the consumer stops before the body ended, the
 * rest is released (see `releaseBody`).
 */
export async function* readServerSentEvents(
  provider: string,
  response: UpstreamResponse,
  signal: AbortSignal | undefined,
): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => pending.push(event) });
  const decoder = new TextDecoder();
  try {
    for (let chunk = await response.body.read(); chunk !== null; chunk = await response.body.read()) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      while (pending.length > 0) yield pending.shift() as EventSourceMessage;
    }
    parser.feed(decoder.decode());
    // A final event without its blank line still counts (some servers end that way).
    parser.feed('\n\n');
    while (pending.length > 0) yield pending.shift() as EventSourceMessage;
  } catch (error) {
    throw transportError(provider, error, signal);
  } finally {
    releaseBody(response, signal);
  }
}

const RELEASE_LIMIT_BYTES = 1 << 20;
const RELEASE_DEADLINE_MS = 2_000;

/**
 * Frees a body its reader stopped early. After `[DONE]` only the end of the response is left:
 * reading it lets the keep-alive connection go back to the pool. An abort of `signal` (a client
 * that cancelled), a large rest or a slow upstream closes the connection instead.
 */
export function releaseBody(response: UpstreamResponse, signal: AbortSignal | undefined): void {
  if (response.body.ended || response.body.failed) return;
  const deadline = AbortSignal.timeout(RELEASE_DEADLINE_MS);
  response.body.discard(
    RELEASE_LIMIT_BYTES,
    signal === undefined ? deadline : AbortSignal.any([signal, deadline]),
  );
}

/** Turns what undici (or the abort signal) threw into a `ProviderError` with no secrets in it. */
export function transportError(
  provider: string,
  error: unknown,
  signal: AbortSignal | undefined,
): ProviderError {
  if (error instanceof ProviderError) return error;
  if (signal?.aborted === true) {
    return new ProviderError(`the request to ${provider} was aborted`, {
      kind: 'aborted',
      provider,
      cause: error,
    });
  }
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return new ProviderError(`${provider} did not answer in time`, {
      kind: 'timeout',
      provider,
      cause: error,
    });
  }
  if (error instanceof errors.ConnectTimeoutError) {
    return new ProviderError(`could not connect to ${provider} in time`, {
      kind: 'timeout',
      provider,
      cause: error,
    });
  }
  const reason = error instanceof Error ? describeNetworkError(error) : 'unknown failure';
  return new ProviderError(`the connection to ${provider} failed (${reason})`, {
    kind: 'network',
    provider,
    cause: error,
  });
}

/** A short, secret-free reason: the system error code when there is one. */
function describeNetworkError(error: Error): string {
  const code = (error as { code?: unknown }).code;
  const causeCode = (error.cause as { code?: unknown } | undefined)?.code;
  if (typeof causeCode === 'string') return causeCode;
  if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
  return error instanceof errors.SocketError ? 'connection closed by the upstream' : error.name;
}
