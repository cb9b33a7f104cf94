/**
 * Import and export: whole conversations read for an export (an admin may read anyone's), and
 * uploaded files written all or nothing. The file formats themselves are `transfer.ts`.
 */

import { notFound, ParleyError } from '../errors.ts';
import type { ImportedConversation, Store } from '../store/store.ts';
import { parseImport } from './transfer.ts';
import type { ConversationHistory } from './tree.ts';

export class ImportExport {
  readonly #store: Store;
  readonly #now: () => number;

  constructor(store: Store, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  /**
   * A conversation and all its messages as `viewer` may see it: its own, or anyone's for an admin.
   * Another owner's id reads as not found for everyone else.
   */
  async readAs(
    viewer: { readonly owner: string; readonly admin: boolean },
    conversationId: string,
  ): Promise<ConversationHistory> {
    let conversation = await this.#store.getConversation(viewer.owner, conversationId);
    if (conversation === undefined && viewer.admin)
      conversation = await this.#store.findConversationForAdmin(conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    const messages = await this.#store.listMessages(conversation.owner, conversationId);
    return { conversation, messages };
  }

  /** Every live conversation of an owner with its messages, oldest first (for exports). */
  async allHistories(owner: string): Promise<ConversationHistory[]> {
    const histories: ConversationHistory[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#store.listConversationsAfter(owner, {
        order: 'asc',
        limit: 100,
        ...(after === undefined ? {} : { after }),
      });
      for (const conversation of page.items) {
        histories.push({ conversation, messages: await this.#store.listMessages(owner, conversation.id) });
      }
      after = page.items.at(-1)?.id;
      if (!page.hasMore || after === undefined) return histories;
    }
  }

  /** Imports a Parley export or ChatGPT's conversations.json for `owner`: all of it, or nothing. */
  async importData(owner: string, data: unknown): Promise<readonly ImportedConversation[]> {
    const items = parseImport(data, owner, this.#now());
    const { conflicts } = await this.#store.importConversations(items);
    if (conflicts.length > 0) {
      throw new ParleyError(
        'CONFLICT',
        `import: ${conflicts.length} ids exist already (e.g. ${conflicts.slice(0, 3).join(', ')}); nothing was imported`,
      );
    }
    return items;
  }
}
