/**
 * Upstreams that keep their own copy of a conversation (ChatGPT's web backend): a title or a
 * delete made in Parley is echoed to each copy behind the conversation. Parley's own change is
 * made first and stands: an upstream that refuses the echo (an expired token, a conversation
 * already gone there) is reported, not turned into a failed request.
 */

import type { ModelRegistry } from '../providers/registry.ts';
import type { UpstreamThreads } from '../providers/spec.ts';
import type { Store } from '../store/store.ts';

/** One upstream conversation and the provider that reaches it. */
export interface UpstreamCopy {
  readonly threads: UpstreamThreads;
  readonly upstreamId: string;
}

export class UpstreamCopies {
  readonly #store: Pick<Store, 'listMessages'>;
  readonly #models: ModelRegistry;
  readonly #onError: (error: unknown, upstreamConversationId: string) => void;

  constructor(
    store: Pick<Store, 'listMessages'>,
    models: ModelRegistry,
    onError: (error: unknown, upstreamConversationId: string) => void,
  ) {
    this.#store = store;
    this.#models = models;
    this.#onError = onError;
  }

  /**
   * The upstream conversations behind a Parley conversation. Empty, without a read, when no
   * stateful provider is set up.
   */
  async of(owner: string, conversationId: string): Promise<readonly UpstreamCopy[]> {
    if (this.#models.keepsUpstreamThreads !== true) return [];
    const found = new Map<string, UpstreamCopy>();
    for (const message of await this.#store.listMessages(owner, conversationId)) {
      const upstreamId = message.upstreamConversationId;
      if (upstreamId === null || message.model === null || found.has(upstreamId)) continue;
      const threads = this.#models.resolve(message.model)?.threads;
      if (threads !== undefined) found.set(upstreamId, { threads, upstreamId });
    }
    return [...found.values()];
  }

  /** Calls every copy, reporting (not throwing) the refusals. */
  async echo(
    copies: readonly UpstreamCopy[],
    call: (threads: UpstreamThreads, upstreamId: string) => Promise<void>,
  ): Promise<void> {
    await Promise.all(
      copies.map(({ threads, upstreamId }) =>
        call(threads, upstreamId).catch((error: unknown) => this.#onError(error, upstreamId)),
      ),
    );
  }

  /** Renames every copy of the conversation. */
  async rename(owner: string, conversationId: string, title: string): Promise<void> {
    await this.echo(await this.of(owner, conversationId), (threads, id) => threads.rename(id, title));
  }
}
