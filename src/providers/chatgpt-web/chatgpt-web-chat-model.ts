/**
 * The `chatgpt-web` provider: ChatGPT's web backend with an account's access token, the upstream
 * of the seed service (revChatGPT V1). `POST {base}conversation` sends one message under an
 * upstream parent and streams the answer as cumulative snapshots. The backend keeps the
 * conversation, so Parley sends only what is new (see `convert-to-chatgpt-web-request.ts`) and
 * reports where the question and answer live upstream (`upstream-refs`). One call at a time per
 * account (see `account-queue.ts`).
 */

import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_UPSTREAM_TIMEOUTS,
  postOrThrow,
  readBodyText,
  readServerSentEvents,
  type UpstreamResponse,
  type UpstreamTimeouts,
} from '../shared/upstream-http.ts';
import {
  assertTextOnly,
  type CallOptions,
  type ChatModel,
  type FinishReason,
  type GenerateResult,
  headerValue,
  type ModelCapabilities,
  type PromptMessage,
  ProviderError,
  type StreamPart,
  TEXT_ONLY,
  type UpstreamThreads,
  type UpstreamTurnRefs,
} from '../spec.ts';
import { accountKey, accountQueue } from './account-queue.ts';
import {
  abortedWhileQueued,
  httpError,
  invalidResponse,
  notAnEventStream,
  PROVIDER,
} from './chatgpt-web-error.ts';
import { ChatGPTWebThreads } from './chatgpt-web-threads.ts';
import { newRequestIds, planChatGPTWebTurn, toChatGPTWebRequest } from './convert-to-chatgpt-web-request.ts';
import { type AnswerContext, readChatGPTWebAnswer } from './read-chatgpt-web-stream.ts';

export interface ChatGPTWebSettings {
  /**
   * The backend's API root, where `conversation` is appended: `https://chatgpt.com/backend-api/`,
   * or a reverse proxy's `https://host/api/`. A missing trailing slash is added.
   */
  readonly baseUrl: string;
  /** The account's access token (a JWT), sent as `Authorization: Bearer`; never in errors or logs. */
  readonly accessToken: string;
  /** Sent as `model`, e.g. `text-davinci-002-render-sha` or `gpt-4o`. */
  readonly modelId: string;
  readonly timeouts?: UpstreamTimeouts;
  /** `timezone_offset_min` as the browser sends it (`Date#getTimezoneOffset`); the server's own by default. */
  readonly timezoneOffsetMinutes?: number;
}

/**
 * `https://host/backend-api` and `https://host/backend-api//` both become `https://host/backend-api/`.
 * Throws a TypeError for anything that is not an http(s) URL.
 */
export function normalizeBaseUrl(baseUrl: string): string {
  const trimmed = baseUrl.trim();
  const protocol = URL.parse(trimmed)?.protocol;
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new TypeError('the ChatGPT base URL must be an http(s) URL');
  }
  return `${trimmed.replace(/\/+$/, '')}/`;
}

/** Tries of one message while the account is busy with another client's, and the wait between them. */
const BUSY_ATTEMPTS = 4;
const BUSY_WAIT_MS = 1_000;

/** The web backend takes text only and chooses its own sampling and length. */
export const CHATGPT_WEB_CAPABILITIES: ModelCapabilities = { ...TEXT_ONLY, sampling: false };

/**
 * @example
 * const model = new ChatGPTWebChatModel({
 *   baseUrl: 'https://chatgpt.com/backend-api/',
 *   accessToken: process.env.CHATGPT_ACCESS_TOKEN ?? '',
 *   modelId: 'gpt-4o',
 * });
 * for await (const part of model.doStream([{ role: 'user', content: 'Hi' }], {})) console.log(part);
 */
export class ChatGPTWebChatModel implements ChatModel {
  readonly provider = PROVIDER;
  readonly capabilities = CHATGPT_WEB_CAPABILITIES;
  readonly modelId: string;
  readonly threads: UpstreamThreads;
  readonly #url: string;
  readonly #accessToken: string;
  readonly #accountKey: string;
  readonly #timeouts: UpstreamTimeouts;
  readonly #timezoneOffsetMinutes: number | undefined;

  constructor(settings: ChatGPTWebSettings) {
    if (settings.accessToken.trim() === '') throw new TypeError('the ChatGPT access token is empty');
    const base = normalizeBaseUrl(settings.baseUrl);
    this.modelId = settings.modelId;
    this.#url = `${base}conversation`;
    this.#accessToken = settings.accessToken;
    this.#accountKey = accountKey(base, settings.accessToken);
    this.#timeouts = settings.timeouts ?? DEFAULT_UPSTREAM_TIMEOUTS;
    this.#timezoneOffsetMinutes = settings.timezoneOffsetMinutes;
    this.threads = new ChatGPTWebThreads({
      base,
      accessToken: settings.accessToken,
      timeouts: this.#timeouts,
      modelId: settings.modelId,
    });
  }

  /** Refuses a prompt with parts beyond text (a reasoning part of another model's answer) before any call. */
  checkCall(prompt: readonly PromptMessage[]): void {
    assertTextOnly(prompt, PROVIDER);
  }

  async doGenerate(prompt: readonly PromptMessage[], options: CallOptions): Promise<GenerateResult> {
    let text = '';
    let finishReason: FinishReason | undefined;
    let upstreamRefs: UpstreamTurnRefs | undefined;
    for await (const part of this.doStream(prompt, options)) {
      if (part.type === 'text-delta') text += part.delta;
      else if (part.type === 'upstream-refs') upstreamRefs = part.refs;
      else if (part.type === 'finish') finishReason = part.finishReason;
    }
    if (finishReason === undefined) throw invalidResponse("ChatGPT's web backend ended without finishing");
    return { text, finishReason, ...(upstreamRefs === undefined ? {} : { upstreamRefs }) };
  }

  /**
   * Sends the message. The queue keeps this process's calls apart, but other clients of the account
   * (another replica, the user's browser) may be answering: "only one message at a time" is waited
   * out a few times before it is the caller's error.
   */
  async #post(body: string, signal: AbortSignal | undefined): Promise<UpstreamResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await postOrThrow(
          {
            provider: PROVIDER,
            url: this.#url,
            headers: { accept: 'text/event-stream', authorization: `Bearer ${this.#accessToken}` },
            body,
            signal,
            timeouts: this.#timeouts,
          },
          (status, headers, text) => httpError(status, headers, text, this.#accessToken),
        );
      } catch (error) {
        const busy = error instanceof ProviderError && error.upstreamCode === 'concurrent_request';
        if (!busy || attempt >= BUSY_ATTEMPTS) throw error;
        const wait = error.retryAfterMs ?? BUSY_WAIT_MS * attempt;
        try {
          await sleep(wait, undefined, signal === undefined ? undefined : { signal });
        } catch {
          throw abortedWhileQueued();
        }
      }
    }
  }

  /**
   * Waits for the account, sends the turn, and yields `upstream-refs` (with or before the first
   * text), the text deltas, then `finish`. The account is free again when the stream ends, fails,
   * or its reader stops.
   */
  async *doStream(prompt: readonly PromptMessage[], options: CallOptions): AsyncGenerator<StreamPart> {
    const turn = planChatGPTWebTurn(prompt);
    const ids = newRequestIds();
    const timezone = this.#timezoneOffsetMinutes ?? new Date().getTimezoneOffset();
    const body = JSON.stringify(toChatGPTWebRequest(turn, this.modelId, ids, timezone));
    const context: AnswerContext =
      turn.action === 'continue'
        ? {
            parent: turn.parent,
            continued: { messageId: turn.parent.messageId, text: turn.parentText },
            secret: this.#accessToken,
          }
        : {
            sentMessageId: ids.messageId,
            ...(turn.parent === undefined ? {} : { parent: turn.parent }),
            secret: this.#accessToken,
          };

    const release = await accountQueue(this.#accountKey).acquire(options.signal, abortedWhileQueued);
    try {
      const response = await this.#post(body, options.signal);
      const contentType = headerValue(response.headers, 'content-type') ?? '';
      if (!contentType.includes('text/event-stream')) {
        const text = await readBodyText(PROVIDER, response, options.signal).catch(() => '');
        throw notAnEventStream(contentType, text, this.#accessToken);
      }
      let finished = false;
      try {
        const events = readServerSentEvents(PROVIDER, response, options.signal);
        for await (const part of readChatGPTWebAnswer(events, context)) {
          if (part.type === 'finish') finished = true;
          yield part;
        }
      } finally {
        // A reader that stopped early: close the connection, so the backend stops answering
        // before the next call on this account starts.
        if (!finished) response.body.destroy();
      }
    } finally {
      release();
    }
  }
}
