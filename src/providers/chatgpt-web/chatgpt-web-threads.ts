/**
 * Conversation-level calls to ChatGPT's web backend, as V1.py makes them: a title is
 * `PATCH {base}conversation/{id}` with `{"title": ...}`, a delete is the same PATCH with
 * `{"is_visible": false}` (the backend hides conversations rather than erasing them); a generated
 * title is `POST {base}conversation/gen_title/{id}` with the answer's `message_id`, answered with
 * `{"title": ...}` (the backend also stores it).
 */

import {
  parseJsonOrUndefined,
  postUpstream,
  readBodyText,
  type UpstreamTimeouts,
} from '../shared/upstream-http.ts';
import { ProviderError, type UpstreamThreads } from '../spec.ts';
import { httpError, PROVIDER } from './chatgpt-web-error.ts';

export interface ChatGPTWebThreadsSettings {
  /** The normalised base URL, ending in `/`. */
  readonly base: string;
  readonly accessToken: string;
  readonly timeouts: UpstreamTimeouts;
  /** Sent with a title request, as the web app does. */
  readonly modelId: string;
}

export class ChatGPTWebThreads implements UpstreamThreads {
  readonly #settings: ChatGPTWebThreadsSettings;

  constructor(settings: ChatGPTWebThreadsSettings) {
    this.#settings = settings;
  }

  rename(upstreamConversationId: string, title: string, signal?: AbortSignal): Promise<void> {
    return this.#patch(upstreamConversationId, { title }, signal);
  }

  async remove(upstreamConversationId: string, signal?: AbortSignal): Promise<void> {
    await this.#patch(upstreamConversationId, { is_visible: false }, signal);
  }

  async generateTitle(
    upstreamConversationId: string,
    upstreamMessageId: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const text = await this.#call(
      'POST',
      `conversation/gen_title/${encodeURIComponent(upstreamConversationId)}`,
      { message_id: upstreamMessageId, model: this.#settings.modelId },
      signal,
    );
    const title = (parseJsonOrUndefined(text) as { title?: unknown } | undefined)?.title;
    if (typeof title !== 'string') {
      throw new ProviderError('ChatGPT answered a title request without a title', {
        kind: 'invalid-response',
        provider: PROVIDER,
      });
    }
    return title;
  }

  async #patch(conversationId: string, body: Record<string, unknown>, signal: AbortSignal | undefined) {
    await this.#call('PATCH', `conversation/${encodeURIComponent(conversationId)}`, body, signal);
  }

  /** Sends one JSON request; resolves with the body of a 2xx answer. */
  async #call(
    method: 'PATCH' | 'POST',
    path: string,
    body: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const { base, accessToken, timeouts } = this.#settings;
    // The shared pool: these calls reuse the connections the answers opened.
    const answer = await postUpstream({
      provider: PROVIDER,
      method,
      url: `${base}${path}`,
      headers: { authorization: `Bearer ${accessToken}` },
      body: JSON.stringify(body),
      signal,
      timeouts,
    });
    // Read even a success to its end: the connection then goes back to the pool.
    const text = await readBodyText(PROVIDER, answer, signal);
    if (answer.status >= 200 && answer.status < 300) return text;
    throw httpError(answer.status, answer.headers, text, accessToken);
  }
}
