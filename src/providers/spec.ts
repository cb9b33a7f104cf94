/**
 * The provider spec: the one interface every model adapter implements (modelled on vercel/ai's
 * language-model spec). Nothing above `providers/` parses a provider's wire format; it only sees
 * these types.
 */

export type PromptRole = 'system' | 'user' | 'assistant' | 'tool';

/** One message of a prompt, oldest first. Text only for now; structured parts come later. */
export interface PromptMessage {
  readonly role: PromptRole;
  readonly content: string;
}

export type FinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface CallOptions {
  readonly maxOutputTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stop?: readonly string[];
  /** Aborting it must close the upstream connection at once. */
  readonly signal?: AbortSignal;
}

export interface GenerateResult {
  readonly text: string;
  readonly finishReason: FinishReason;
  /** Absent when the upstream did not report it. */
  readonly usage?: Usage;
}

/** A typed part of a streamed generation. */
export type StreamPart =
  | { readonly type: 'text-delta'; readonly delta: string }
  | { readonly type: 'finish'; readonly finishReason: FinishReason; readonly usage?: Usage };

/**
 * A chat model behind one provider. `doStream` yields parts as they arrive (no buffering) and
 * throws a `ProviderError` when the upstream fails, before or during the stream.
 */
export interface ChatModel {
  /** The provider's name, e.g. `openai-compatible`. */
  readonly provider: string;
  /** The upstream model id sent on the wire. */
  readonly modelId: string;
  doGenerate(prompt: readonly PromptMessage[], options: CallOptions): Promise<GenerateResult>;
  doStream(prompt: readonly PromptMessage[], options: CallOptions): AsyncIterable<StreamPart>;
}

export type ProviderErrorKind =
  /** The upstream answered with an HTTP error status. */
  | 'http'
  /** The connection failed or was reset (before or during the stream). */
  | 'network'
  /** The upstream did not answer in time. */
  | 'timeout'
  /** The upstream answered something that does not follow its wire format. */
  | 'invalid-response'
  /** The caller's AbortSignal fired. */
  | 'aborted';

export interface ProviderErrorInit {
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  /** The upstream's HTTP status, when it sent one. */
  readonly status?: number;
  /** The upstream's own error code or type, e.g. `rate_limit_exceeded`. */
  readonly upstreamCode?: string;
  /** Milliseconds to wait before retrying, from `retry-after` / `retry-after-ms`. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/**
 * An upstream failure. The message is safe to show a client: it never holds a key or token.
 * `isRetryable` follows openai-node: 408, 409, 429, 5xx and network failures.
 */
export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  readonly status: number | undefined;
  readonly upstreamCode: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, init: ProviderErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ProviderError';
    this.kind = init.kind;
    this.provider = init.provider;
    this.status = init.status;
    this.upstreamCode = init.upstreamCode;
    this.retryAfterMs = init.retryAfterMs;
  }

  get isRetryable(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') return true;
    if (this.kind !== 'http' || this.status === undefined) return false;
    return this.status === 408 || this.status === 409 || this.status === 429 || this.status >= 500;
  }
}

/** Response headers as Node and undici give them: lower-case names, repeated ones as arrays. */
export type ResponseHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The first value of a header, or undefined. */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

/**
 * Reads `retry-after-ms` or `retry-after` (seconds or an HTTP date) into milliseconds.
 * @example parseRetryAfter({ 'retry-after': '2' }) // 2000
 */
export function parseRetryAfter(headers: ResponseHeaders, now: number = Date.now()): number | undefined {
  const milliseconds = headerValue(headers, 'retry-after-ms');
  if (milliseconds !== undefined) {
    const value = Number(milliseconds);
    if (milliseconds.trim() !== '' && Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = headerValue(headers, 'retry-after');
  if (retryAfter === undefined) return undefined;
  const seconds = Number(retryAfter);
  if (retryAfter.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
