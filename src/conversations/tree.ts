/**
 * Reading and editing the tree of a conversation: conversations and their messages, branches,
 * forks, titles set by hand, metadata, deletes and search. Generating answers is
 * `generations.ts`; this file never calls a model (only an upstream's copy, to echo a rename or
 * a delete).
 */

import { notFound } from '../errors.ts';
import type {
  ConversationPatch,
  ConversationRecord,
  CursorPage,
  CursorQuery,
  MessageRecord,
  Metadata,
  NewAttachment,
  NewMessage,
  Page,
  SearchHit,
  Store,
} from '../store/store.ts';
import { type InputMessage, titleFromQuestion } from './prompt.ts';
import type { UpstreamCopies } from './upstream-threads.ts';

export interface ConversationHistory {
  readonly conversation: ConversationRecord;
  readonly messages: readonly MessageRecord[];
}

export interface TreeOptions {
  readonly store: Store;
  readonly upstream: UpstreamCopies;
  readonly now: () => number;
  readonly newId: () => string;
}

/** A live message of the owner's conversation, or a 404. */
export async function liveMessageOf(
  store: Pick<Store, 'getMessage'>,
  owner: string,
  conversationId: string,
  messageId: string,
): Promise<MessageRecord> {
  const message = await store.getMessage(owner, messageId);
  if (message === undefined || message.conversationId !== conversationId) {
    throw notFound(`message ${messageId} not found in this conversation`);
  }
  return message;
}

export class ConversationTree {
  readonly #store: Store;
  readonly #upstream: UpstreamCopies;
  readonly #now: () => number;
  readonly #newId: () => string;

  constructor(options: TreeOptions) {
    this.#store = options.store;
    this.#upstream = options.upstream;
    this.#now = options.now;
    this.#newId = options.newId;
  }

  getConversation(owner: string, conversationId: string): Promise<ConversationRecord | undefined> {
    return this.#store.getConversation(owner, conversationId);
  }

  list(owner: string, offset: number, limit: number): Promise<Page<ConversationRecord>> {
    return this.#store.listConversations(owner, offset, limit);
  }

  listAfter(owner: string, query: CursorQuery): Promise<CursorPage<ConversationRecord>> {
    return this.#store.listConversationsAfter(owner, query);
  }

  /** A conversation and all its messages (deleted ones included), or a 404. */
  async history(owner: string, conversationId: string): Promise<ConversationHistory> {
    const conversation = await this.#store.getConversation(owner, conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    const messages = await this.#store.listMessages(owner, conversationId);
    return { conversation, messages };
  }

  /** The messages of the branch that ends at the conversation's current node, root first. */
  async currentBranch(owner: string, conversationId: string): Promise<readonly MessageRecord[]> {
    const conversation = await this.#store.getConversation(owner, conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    if (conversation.currentNode === null) return [];
    const path = await this.#store.getPath(owner, conversationId, conversation.currentNode);
    return path.filter((message) => message.deletedAt === null);
  }

  /** One live message of the owner's, in any conversation. */
  getMessage(owner: string, messageId: string): Promise<MessageRecord | undefined> {
    return this.#store.getMessage(owner, messageId);
  }

  /** The path from the root to a message, root first (deleted messages included). */
  getPath(owner: string, conversationId: string, messageId: string): Promise<readonly MessageRecord[]> {
    return this.#store.getPath(owner, conversationId, messageId);
  }

  /** The bytes of an attachment the owner stored, or undefined. */
  async getAttachment(owner: string, sha256: string): Promise<Uint8Array | undefined> {
    return (await this.#store.getAttachments(owner, [sha256])).get(sha256);
  }

  /** The bytes of the attachments the owner stored, by SHA-256 (those not found are absent). */
  getAttachments(owner: string, sha256s: readonly string[]): Promise<ReadonlyMap<string, Uint8Array>> {
    return this.#store.getAttachments(owner, sha256s);
  }

  search(owner: string, text: string, limit: number): Promise<readonly SearchHit[]> {
    return this.#store.search(owner, text, limit);
  }

  /**
   * Creates a conversation holding these messages (chained, oldest first, with their parts) and
   * nothing generated; `attachments` are the bytes their parts name.
   */
  async createConversation(
    owner: string,
    items: readonly InputMessage[],
    metadata: Metadata,
    settings: {
      readonly title?: string | null;
      readonly systemPrompt?: string | null;
      readonly model?: string | null;
      readonly temperature?: number | null;
      readonly maxOutputTokens?: number | null;
    } = {},
    attachments: readonly NewAttachment[] = [],
  ): Promise<ConversationHistory> {
    const conversationId = this.#newId();
    const messages = this.#chain(items);
    const firstUser = items.find((message) => message.role === 'user');
    await this.#store.beginTurn({
      owner,
      conversationId,
      newConversation: {
        id: conversationId,
        title: settings.title ?? (firstUser === undefined ? null : titleFromQuestion(firstUser.content)),
        model: settings.model ?? null,
        metadata,
        systemPrompt: settings.systemPrompt ?? null,
        temperature: settings.temperature ?? null,
        maxOutputTokens: settings.maxOutputTokens ?? null,
      },
      messages,
      ...(attachments.length === 0 ? {} : { attachments }),
      now: this.#now(),
    });
    const conversation = await this.#store.getConversation(owner, conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    return { conversation, messages: await this.#read(owner, conversationId, messages) };
  }

  /** Appends messages (with their parts and the bytes they name) after the current node, in one transaction. */
  async appendMessages(
    owner: string,
    conversationId: string,
    items: readonly InputMessage[],
    attachments: readonly NewAttachment[] = [],
  ): Promise<readonly MessageRecord[]> {
    const messages = this.#chain(items);
    const written = await this.#store.beginTurn({
      owner,
      conversationId,
      messages,
      ...(attachments.length === 0 ? {} : { attachments }),
      appendToCurrentNode: true,
      now: this.#now(),
    });
    if (!written) throw notFound(`conversation ${conversationId} not found`);
    return this.#read(owner, conversationId, messages);
  }

  /** Makes a message the current node: the branch through it is the conversation's current one. */
  async switchBranch(owner: string, conversationId: string, messageId: string): Promise<void> {
    await liveMessageOf(this.#store, owner, conversationId, messageId);
    await this.#store.updateConversation(owner, conversationId, { currentNode: messageId }, this.#now());
  }

  /** A new conversation holding copies of the path from the root to `messageId`. */
  async fork(owner: string, conversationId: string, messageId: string): Promise<ConversationRecord> {
    const conversation = await this.#store.getConversation(owner, conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    const path = (await this.#store.getPath(owner, conversationId, messageId)).filter(
      (message) => message.deletedAt === null,
    );
    if (path.length === 0) throw notFound(`message ${messageId} not found in this conversation`);
    const now = this.#now();
    const forkId = this.#newId();
    const ids = new Map(path.map((message) => [message.id, this.#newId()]));
    const messages = path.map((message, index) => ({
      ...message,
      id: ids.get(message.id) ?? '',
      conversationId: forkId,
      parentId: index === 0 ? null : (ids.get(path[index - 1]?.id ?? '') ?? null),
      // A fork starts its own upstream thread: deleting it must not hide the original's.
      upstreamConversationId: null,
      upstreamMessageId: null,
    }));
    const fork: ConversationRecord = {
      ...conversation,
      id: forkId,
      title: `${conversation.title ?? 'Conversation'} (fork)`,
      currentNode: messages.at(-1)?.id ?? null,
      metadata: { ...conversation.metadata, forked_from: conversationId },
      createdAt: now,
      updatedAt: now,
    };
    await this.#store.importConversations([{ conversation: fork, messages }]);
    return fork;
  }

  /** Changes title, system prompt, default model or current node (which must be a live message). */
  async update(owner: string, conversationId: string, patch: ConversationPatch): Promise<ConversationRecord> {
    if (patch.currentNode !== undefined)
      await liveMessageOf(this.#store, owner, conversationId, patch.currentNode);
    if (!(await this.#store.updateConversation(owner, conversationId, patch, this.#now()))) {
      throw notFound(`conversation ${conversationId} not found`);
    }
    const { title } = patch;
    if (title !== undefined && title !== null) await this.#upstream.rename(owner, conversationId, title);
    const conversation = await this.#store.getConversation(owner, conversationId);
    if (conversation === undefined) throw notFound(`conversation ${conversationId} not found`);
    return conversation;
  }

  async setTitle(owner: string, conversationId: string, title: string): Promise<void> {
    if (!(await this.#store.setTitle(owner, conversationId, title, this.#now()))) {
      throw notFound(`conversation ${conversationId} not found`);
    }
    await this.#upstream.rename(owner, conversationId, title);
  }

  async setMetadata(owner: string, conversationId: string, metadata: Metadata): Promise<void> {
    if (!(await this.#store.setMetadata(owner, conversationId, metadata, this.#now()))) {
      throw notFound(`conversation ${conversationId} not found`);
    }
  }

  async deleteMessage(owner: string, conversationId: string, messageId: string): Promise<void> {
    if (!(await this.#store.deleteMessage(owner, conversationId, messageId, this.#now()))) {
      throw notFound(`item ${messageId} not found`);
    }
  }

  async delete(owner: string, conversationId: string): Promise<void> {
    // Read before the delete: a deleted conversation reads as not found.
    const copies = await this.#upstream.of(owner, conversationId);
    if (!(await this.#store.deleteConversation(owner, conversationId, this.#now()))) {
      throw notFound(`conversation ${conversationId} not found`);
    }
    await this.#upstream.echo(copies, (threads, id) => threads.remove(id));
  }

  /** Deletes every conversation of the owner; returns how many. */
  clear(owner: string): Promise<number> {
    return this.#store.deleteAllConversations(owner, this.#now());
  }

  /** New messages from `items`, each the child of the one before, the first a root. */
  #chain(items: readonly InputMessage[]): NewMessage[] {
    const messages: NewMessage[] = [];
    for (const item of items) {
      const previous = messages.at(-1);
      messages.push({
        id: this.#newId(),
        parentId: previous === undefined ? null : previous.id,
        role: item.role,
        content: item.content,
        ...(item.parts === undefined ? {} : { parts: item.parts }),
        status: 'completed',
      });
    }
    return messages;
  }

  /** The messages just written, as stored. */
  async #read(
    owner: string,
    conversationId: string,
    written: readonly NewMessage[],
  ): Promise<MessageRecord[]> {
    const last = written.at(-1);
    if (last === undefined) return [];
    const path = await this.#store.getPath(owner, conversationId, last.id);
    return path.slice(-written.length);
  }
}
