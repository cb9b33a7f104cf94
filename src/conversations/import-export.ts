/**
 * Import and export: whole conversations read for an export (an admin may read anyone's), and
 * uploaded files written all or nothing. The file formats themselves are `transfer.ts`.
 */

import { setImmediate as nextTurn } from 'node:timers/promises';
import { notFound, ParleyError } from '../errors.ts';
import type { ImportSlice, Store } from '../store/store.ts';
import { exportJsonText } from './export-json.ts';
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

  /** Every live conversation of an owner with its messages, oldest first, read a page at a time. */
  async *histories(owner: string): AsyncGenerator<ConversationHistory> {
    let after: string | undefined;
    for (;;) {
      const page = await this.#store.listConversationsAfter(owner, {
        order: 'asc',
        limit: 100,
        ...(after === undefined ? {} : { after }),
      });
      for (const conversation of page.items) {
        yield { conversation, messages: await this.#store.listMessages(owner, conversation.id) };
      }
      after = page.items.at(-1)?.id;
      if (!page.hasMore || after === undefined) return;
    }
  }

  /** Parley's JSON export of these conversations with the bytes they name, as text pieces (`export-json.ts`). */
  exportJson(
    histories: AsyncIterable<ConversationHistory> | Iterable<ConversationHistory>,
  ): AsyncGenerator<string> {
    const readAttachment = async (owner: string, sha256: string) =>
      (await this.#store.getAttachments(owner, [sha256])).get(sha256);
    return exportJsonText(histories, readAttachment, this.#now());
  }

  /** When an import is read: the date of what a file leaves undated (ChatGPT's `create_time`). */
  importTime(): number {
    return this.#now();
  }

  /**
   * Writes an import for `owner` (a file read by `parseImport` and cut by `sliceImport`, maybe in a
   * worker thread): slice by slice, letting other requests run between two, and all of it or
   * nothing (`Store.beginImport`): seen by no one until the last slice is written, removed when any
   * slice fails or names an id that exists.
   */
  async importSlices(
    owner: string,
    slices: AsyncIterable<ImportSlice> | Iterable<ImportSlice>,
  ): Promise<void> {
    const writer = await this.#store.beginImport(owner);
    try {
      for await (const slice of slices) {
        const { conflicts } = await writer.write(slice);
        if (conflicts.length > 0) {
          throw new ParleyError(
            'CONFLICT',
            `import: ${conflicts.length} ids exist already (e.g. ${conflicts.slice(0, 3).join(', ')}); nothing was imported`,
          );
        }
        // Requests that arrived while the slice was written go first.
        await nextTurn();
      }
      await writer.commit();
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }
}
