/**
 * The provider spec: the one interface every model adapter implements (modelled on vercel/ai's
 * language-model spec). Nothing above `providers/` parses a provider's wire format; it only sees
 * these types.
 */

export type PromptRole = 'system' | 'user' | 'assistant' | 'tool';

/** A function call the model asked for; `arguments` is JSON text, as the model wrote it. */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/**
 * Where an upstream that keeps conversations itself (ChatGPT's web backend) holds a message: its
 * conversation id and message id there. Stored on Parley's own rows, so a later turn sends only
 * what is new and names its parent upstream.
 */
export interface UpstreamRef {
  readonly conversationId: string;
  readonly messageId: string;
}

/** The upstream ids a stateful provider gave one turn: the question it sent and the answer. */
export interface UpstreamTurnRefs {
  /** Absent when nothing new was sent (an answer continued in place). */
  readonly input?: UpstreamRef;
  readonly output: UpstreamRef;
}

/**
 * A part of a prompt message beyond its text: an image (a URL the provider fetches, or bytes), a
 * file or audio (bytes), a reasoning item to pass back, a refusal. Parley never fetches a URL itself.
 */
export type PromptPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'image'; readonly url: string; readonly detail?: 'auto' | 'low' | 'high' }
  | {
      readonly type: 'image';
      readonly mediaType: string;
      readonly data: Uint8Array;
      readonly detail?: 'auto' | 'low' | 'high';
    }
  | {
      readonly type: 'file';
      readonly mediaType: string;
      readonly filename: string;
      readonly data: Uint8Array;
    }
  /** Recorded sound (OpenAI's `input_audio`): `audio/wav` or `audio/mpeg` (mp3). */
  | { readonly type: 'audio'; readonly mediaType: string; readonly data: Uint8Array }
  | { readonly type: 'reasoning'; readonly text: string; readonly encrypted?: string }
  | { readonly type: 'refusal'; readonly text: string };

/** One message of a prompt, oldest first: text, plus tool calls (assistant) or a tool result (tool). */
export interface PromptMessage {
  readonly role: PromptRole;
  /** The message's plain text. */
  readonly content: string;
  /**
   * Present when the message holds more than text: all its parts in order (text parts included),
   * which a provider sends instead of `content`. Tool calls and results stay in `toolCalls` and
   * `toolCallId`.
   */
  readonly parts?: readonly PromptPart[];
  /** On a stored message a stateful upstream answered (or was sent): where it lives there. */
  readonly upstreamRef?: UpstreamRef;
  /** On an assistant message: the calls it made. */
  readonly toolCalls?: readonly ToolCall[];
  /** On a tool message: the call it answers. */
  readonly toolCallId?: string;
  /**
   * A participant's name (OpenAI's `name` on a system, user or assistant message); only a model
   * whose capabilities say `participantNames` receives one.
   */
  readonly name?: string;
}

/** A function the model may call; `parameters` is a JSON Schema passed through untouched. */
export interface ToolDefinition {
  readonly name: string;
  readonly description?: string;
  readonly parameters?: unknown;
  readonly strict?: boolean;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | {
      readonly type: 'json_schema';
      readonly name: string;
      readonly schema?: unknown;
      readonly description?: string;
      readonly strict?: boolean;
    };

/** What a model can do beyond text; callers refuse a request a model cannot honour. */
export interface ModelCapabilities {
  readonly tools: boolean;
  readonly responseFormat: boolean;
  /** Image parts in user messages. */
  readonly images: boolean;
  /** File parts (e.g. a PDF) in user messages. */
  readonly files: boolean;
  /** The output tokens' log probabilities (`CallOptions.logprobs`); absent: none. */
  readonly logprobs?: boolean;
  /** Honours `CallOptions.reasoning` (a reasoning effort, mapped to the provider's own form). */
  readonly reasoning: boolean;
  /** False: the upstream chooses its own temperature and length (`CallOptions` has no effect); absent: true. */
  readonly sampling?: boolean;
  /** Audio parts in user messages; absent: none. */
  readonly audio?: boolean;
  /** Takes `PromptMessage.name` (a participant's name); absent: none. */
  readonly participantNames?: boolean;
  /**
   * OpenAI's other request fields (`CallOptions.openaiFields`: seed, penalties, `logit_bias`,
   * `verbosity`, caching and billing hints) go to the upstream as they are; absent: false.
   */
  readonly openaiFields?: boolean;
  /** How its upstream counts images, audio and PDF pages into the context window; absent: Parley's default. */
  readonly mediaTokens?: MediaTokenRule;
}

/** An image's size in pixels. */
export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/**
 * A provider's documented token costs of parts beyond text, so a prompt is planned to fit the
 * context window with them (estimates: the upstream's own count decides).
 */
export interface MediaTokenRule {
  /** Tokens of one image; `size` is undefined for an image given by URL (Parley never fetches it). */
  imageTokens(size: ImageSize | undefined, detail: 'auto' | 'low' | 'high' | undefined): number;
  /** Tokens of one PDF page (its text and the picture of the page, as the upstream reads both). */
  readonly pdfPageTokens: number;
  /** Tokens per second of audio input; absent for a provider that takes no audio. */
  readonly audioTokensPerSecond?: number;
}

/** The capabilities of a model that takes and gives text only (with the usual sampling settings). */
export const TEXT_ONLY: ModelCapabilities = {
  tools: false,
  responseFormat: false,
  images: false,
  files: false,
  logprobs: false,
  reasoning: false,
  sampling: true,
  openaiFields: false,
};

/**
 * Refuses a prompt holding parts other than text, for a provider that takes text only: nothing is
 * dropped silently.
 */
export function assertTextOnly(prompt: readonly PromptMessage[], provider: string): void {
  const [kind] = partKindsOf(prompt);
  if (kind !== undefined) {
    throw new ProviderError(`the ${provider} provider does not take ${kind} parts`, {
      kind: 'unsupported',
      provider,
    });
  }
}

/** The non-text kinds of parts in a prompt, e.g. `['image']`; the core refuses those a model cannot take. */
export function partKindsOf(prompt: readonly PromptMessage[]): Set<PromptPart['type']> {
  const kinds = new Set<PromptPart['type']>();
  for (const message of prompt)
    for (const part of message.parts ?? []) if (part.type !== 'text') kinds.add(part.type);
  return kinds;
}

export type FinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** A token at one place of the output, and its log probability. */
export interface TokenAlternative {
  readonly token: string;
  readonly logprob: number;
  /** The token's UTF-8 bytes, or null where the upstream gives none. */
  readonly bytes: readonly number[] | null;
}

/** An output token's log probability, with the likeliest tokens at its place when asked for. */
export interface TokenLogprob extends TokenAlternative {
  readonly topLogprobs: readonly TokenAlternative[];
}

/** How much a model reasons before it answers, in OpenAI's terms (`reasoning_effort`). */
export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';

export interface ReasoningOptions {
  readonly effort: ReasoningEffort;
}

export interface CallOptions {
  readonly maxOutputTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stop?: readonly string[];
  readonly tools?: readonly ToolDefinition[];
  readonly toolChoice?: ToolChoice;
  /** False: at most one tool call per answer. Absent: the provider's default (several allowed). */
  readonly parallelToolCalls?: boolean;
  readonly responseFormat?: ResponseFormat;
  /** Return each output token's log probability, with this many alternatives (0–20). */
  readonly logprobs?: { readonly topLogprobs: number };
  /** Asks for reasoning; only a model whose capabilities say `reasoning` receives it. */
  readonly reasoning?: ReasoningOptions;
  /**
   * OpenAI request fields sent as they are (e.g. `{seed: 7}`), read only by a model whose
   * capabilities say `openaiFields`; the caller refuses them for any other, so nothing is dropped
   * silently.
   */
  readonly openaiFields?: Readonly<Record<string, unknown>>;
  /** Aborting it must close the upstream connection at once. */
  readonly signal?: AbortSignal;
  /** Told of each deployment a routed model tried, in order, as soon as its outcome is known. */
  readonly onAttempt?: (attempt: RouteAttempt) => void;
}

/** One try of a routed model: which deployment, and how it went. */
export interface RouteAttempt {
  /** The deployment's name from the config file (or the provider's name for a single upstream). */
  readonly deployment: string;
  /** `ok`: it is serving the answer; `error`: it failed (see status); `skipped`: cooling down. */
  readonly outcome: 'ok' | 'error' | 'skipped';
  /** The upstream's HTTP status, when it sent one. */
  readonly status?: number;
  /** The error code, e.g. `rate_limit_exceeded` or `network`. */
  readonly code?: string;
}

/** A piece of a model's reasoning: its summary text, and an opaque payload to pass back with it. */
export interface ReasoningPart {
  readonly text: string;
  readonly encrypted?: string;
}

export interface GenerateResult {
  readonly text: string;
  /** The model's reasoning, in the order it came (before the text). */
  readonly reasoning?: readonly ReasoningPart[];
  readonly finishReason: FinishReason;
  /** Absent when the upstream did not report it. */
  readonly usage?: Usage;
  /** Present when the model called tools. */
  readonly toolCalls?: readonly ToolCall[];
  /** From a stateful upstream: where the question and the answer now live there. */
  readonly upstreamRefs?: UpstreamTurnRefs;
  /** The text's tokens, when `CallOptions.logprobs` asked for them. */
  readonly logprobs?: readonly TokenLogprob[];
}

/** A typed part of a streamed generation. */
export type StreamPart =
  /** `logprobs`: the delta's tokens, when `CallOptions.logprobs` asked for them. */
  | { readonly type: 'text-delta'; readonly delta: string; readonly logprobs?: readonly TokenLogprob[] }
  /** A piece of the model's reasoning summary. */
  | { readonly type: 'reasoning-delta'; readonly delta: string }
  /**
   * The end of one piece of reasoning, with the opaque payload the provider needs passed back with
   * it (Anthropic's thinking block with its signature); the next reasoning delta starts another piece.
   */
  | { readonly type: 'reasoning-end'; readonly encrypted?: string }
  /** A piece of a tool call: `index` says which call; `id` and `name` come with its first piece. */
  | {
      readonly type: 'tool-call-delta';
      readonly index: number;
      readonly id?: string;
      readonly name?: string;
      readonly argumentsDelta: string;
    }
  /** From a stateful upstream, once it has named them (before or with the first text). */
  | { readonly type: 'upstream-refs'; readonly refs: UpstreamTurnRefs }
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
  /** Absent: text only. */
  readonly capabilities?: ModelCapabilities;
  /**
   * Throws the `ProviderError` (kind `unsupported`) the call would end in, for what this provider
   * refuses beyond its capabilities (e.g. a value it cannot combine with another), without calling
   * the upstream. The core calls it before it writes anything, so a refusal leaves no half-written
   * turn. Absent: nothing to refuse but what the capabilities say.
   */
  checkCall?(prompt: readonly PromptMessage[], options: CallOptions): void;
  doGenerate(prompt: readonly PromptMessage[], options: CallOptions): Promise<GenerateResult>;
  doStream(prompt: readonly PromptMessage[], options: CallOptions): AsyncIterable<StreamPart>;
  /** Present on a provider whose upstream keeps conversations (titles and deletes reach it). */
  readonly threads?: UpstreamThreads;
}

/** Conversation-level calls to an upstream that keeps conversations, by its conversation id. */
export interface UpstreamThreads {
  rename(upstreamConversationId: string, title: string, signal?: AbortSignal): Promise<void>;
  /** Hides (deletes) the conversation upstream. */
  remove(upstreamConversationId: string, signal?: AbortSignal): Promise<void>;
  /** Asks the upstream to title its conversation from the exchange ending at this message. */
  generateTitle(
    upstreamConversationId: string,
    upstreamMessageId: string,
    signal?: AbortSignal,
  ): Promise<string>;
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
  | 'aborted'
  /** The provider cannot serve at all as configured (a model file missing, an engine that will not start). */
  | 'unavailable'
  /** The request holds something this provider cannot take (e.g. an image part): the client's to change. */
  | 'unsupported';

export interface ProviderErrorInit {
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  /** The upstream's HTTP status, when it sent one. */
  readonly status?: number;
  /** The upstream's own error code or type, e.g. `rate_limit_exceeded`. */
  readonly upstreamCode?: string;
  /** Milliseconds to wait before retrying, from `retry-after` / `retry-after-ms`. */
  readonly retryAfterMs?: number;
  /** The request field a refusal (kind `unsupported`) is about, in OpenAI's terms, e.g. `tool_choice`. */
  readonly param?: string;
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
  readonly param: string | undefined;

  constructor(message: string, init: ProviderErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ProviderError';
    this.kind = init.kind;
    this.provider = init.provider;
    this.status = init.status;
    this.upstreamCode = init.upstreamCode;
    this.retryAfterMs = init.retryAfterMs;
    this.param = init.param;
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
