/**
 * The Store interface: everything the conversation core reads and writes. One row per message;
 * every read and write is scoped by owner inside the query itself, so another owner's id reads
 * as "not found". Implementations: `sqlite/` and `postgres/`, both held to
 * `store-contract.ts`.
 */

import type { AccessStore } from './access-store.ts';

export type MessageRole = 'system' | 'developer' | 'user' | 'assistant' | 'tool';

/** OpenAI-style metadata: string keys and values. */
export type Metadata = Readonly<Record<string, string>>;
export type MessageStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export type ImageDetail = 'auto' | 'low' | 'high';

/**
 * One part of a message, as stored. Bytes (images, files, audio) are named by their SHA-256 hex
 * (`attachment`), kept once in the attachments table; an image given by URL stays a URL.
 */
export type PartRecord =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'image'; readonly url: string; readonly detail?: ImageDetail }
  | {
      readonly type: 'image';
      readonly attachment: string;
      readonly mediaType: string;
      readonly detail?: ImageDetail;
    }
  | {
      readonly type: 'file';
      readonly attachment: string;
      readonly mediaType: string;
      readonly filename: string;
    }
  /** Recorded sound a user sent (OpenAI's `input_audio`): `audio/wav` or `audio/mpeg`. */
  | { readonly type: 'audio'; readonly attachment: string; readonly mediaType: string }
  /** A function call the model made; `arguments` is JSON text as the model wrote it. */
  | { readonly type: 'tool-call'; readonly callId: string; readonly name: string; readonly arguments: string }
  | { readonly type: 'tool-result'; readonly callId: string; readonly output: string }
  /** The model's reasoning: a summary, and an opaque payload to pass back to the same provider. */
  | { readonly type: 'reasoning'; readonly text: string; readonly encrypted?: string }
  | { readonly type: 'refusal'; readonly text: string };

/**
 * What an answer records of its prompt (the window, what was sent and dropped, the tokens), or,
 * on a context summary, what it covers. Decoded once by the store.
 */
export interface MessageContext {
  readonly window?: number;
  readonly sent_messages?: number;
  readonly dropped_messages?: number;
  readonly tokens?: number;
  readonly tokens_counted?: boolean;
  readonly summarized?: boolean;
  readonly summary_id?: string;
  /**
   * On a summary: the last message it covers, and how many messages it summarizes. The stores
   * keep `summary_of` in a column of its own too (see `summaryOf`), which `listSummaries` reads.
   */
  readonly summary_of?: string;
  readonly summarized_messages?: number;
}

/** The message a context summary covers, written to its `summary_of` column; null for any other. */
export function summaryOf(message: { readonly context?: MessageContext | null | undefined }): string | null {
  return message.context?.summary_of ?? null;
}

/** The options of the request that produced an answer: owned by the surface that wrote them. */
export type RequestOptions = Readonly<Record<string, unknown>>;

/** Bytes of an image or file, content-addressed. */
export interface NewAttachment {
  /** SHA-256 of `data`, lower-case hex. */
  readonly sha256: string;
  readonly data: Uint8Array;
}

/** Times are Unix milliseconds. */
export interface ConversationRecord {
  readonly id: string;
  readonly owner: string;
  readonly title: string | null;
  readonly model: string | null;
  /** The leaf last written; null only while a conversation has no message yet. */
  readonly currentNode: string | null;
  /** Sent first on every turn of this conversation; null for none. */
  readonly systemPrompt: string | null;
  /** Sampling for the answers in this conversation (a request's own values win); null: the model's default. */
  readonly temperature: number | null;
  readonly maxOutputTokens: number | null;
  readonly metadata: Metadata;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface MessageRecord {
  readonly id: string;
  readonly conversationId: string;
  readonly parentId: string | null;
  readonly role: MessageRole;
  /** The message's plain text (its text parts, joined). */
  readonly content: string;
  /** What the message is made of, in order; a text-only message is one text part. */
  readonly parts: readonly PartRecord[];
  readonly model: string | null;
  readonly provider: string | null;
  readonly status: MessageStatus;
  readonly finishReason: string | null;
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  readonly error: string | null;
  /** The options of the request that produced this answer, owned by the surface that wrote them. */
  readonly requestOptions: RequestOptions | null;
  /** Set when the message was deleted: it stays in the tree but leaves listings and prompts. */
  readonly deletedAt: number | null;
  /** On an answer: what was sent to the model, so a reader can tell what it saw. */
  readonly context: MessageContext | null;
  /**
   * Where an upstream that keeps conversations (ChatGPT's web backend) holds this message: its
   * conversation id and message id there; null for every other provider.
   */
  readonly upstreamConversationId: string | null;
  readonly upstreamMessageId: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** One message's place in a stateful upstream (see `MessageRecord.upstreamMessageId`). */
export interface UpstreamRefUpdate {
  readonly messageId: string;
  readonly upstreamConversationId: string;
  readonly upstreamMessageId: string;
}

export interface NewConversation {
  readonly id: string;
  readonly title: string | null;
  readonly model: string | null;
  readonly metadata?: Metadata;
  readonly systemPrompt?: string | null;
  readonly temperature?: number | null;
  readonly maxOutputTokens?: number | null;
}

/** A message as written at the start of a turn. */
export interface NewMessage {
  readonly id: string;
  readonly parentId: string | null;
  readonly role: MessageRole;
  readonly content: string;
  /** Absent: the text is the only part. */
  readonly parts?: readonly PartRecord[];
  readonly status: MessageStatus;
  readonly model?: string;
  readonly provider?: string;
  readonly requestOptions?: RequestOptions;
  readonly context?: MessageContext;
  /** The server process generating it (for answers): see `reapOrphans`. */
  readonly generator?: string;
}

export interface BeginTurnInput {
  readonly owner: string;
  /** Set to create the conversation in the same transaction. */
  readonly newConversation?: NewConversation;
  readonly conversationId: string;
  /** Written in order (each usually the child of the one before); the last becomes `current_node`. */
  readonly messages: readonly NewMessage[];
  /** Bytes the messages' parts name, stored once (a hash already stored is kept) for this owner. */
  readonly attachments?: readonly NewAttachment[];
  /**
   * Hang the first message under the conversation's `current_node` as read inside the transaction
   * (its `parentId` is ignored), so concurrent appends chain instead of branching.
   */
  readonly appendToCurrentNode?: boolean;
  readonly now: number;
}

/** What a generation changes on its assistant message as it streams and when it ends. */
export interface MessageUpdate {
  readonly content: string;
  /**
   * The finished message's parts (written once, when it is complete); absent: text only. An
   * update `in_progress` (a streamed answer's periodic write) leaves the stored parts as they are.
   */
  readonly parts?: readonly PartRecord[];
  readonly status: MessageStatus;
  readonly finishReason?: string | null;
  readonly inputTokens?: number | null;
  readonly outputTokens?: number | null;
  readonly error?: string | null;
  readonly now: number;
}

/** What `updateConversation` may change; absent fields stay as they are. */
export interface ConversationPatch {
  readonly title?: string | null;
  readonly systemPrompt?: string | null;
  readonly model?: string | null;
  readonly temperature?: number | null;
  readonly maxOutputTokens?: number | null;
  /** Must be a live message of this conversation (the caller checks). */
  readonly currentNode?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly total: number;
}

export interface CursorQuery {
  /** The id of the last item of the previous page. */
  readonly after?: string;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  /** By creation (the default) or by last activity (`updated_at`: a new message, a rename, a switch). */
  readonly by?: 'created' | 'updated';
}

export interface CursorPage<T> {
  readonly items: readonly T[];
  readonly hasMore: boolean;
}

/** One generation's accounting. */
export interface UsageRecord {
  readonly owner: string;
  readonly keyId: string | null;
  readonly conversationId: string | null;
  readonly messageId: string | null;
  readonly model: string;
  readonly provider: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** True when Parley counted the tokens itself (the provider did not report them). */
  readonly tokensCounted: boolean;
  readonly cost: number | null;
  readonly latencyMs: number;
  readonly firstTokenMs: number | null;
  readonly status: string;
  readonly createdAt: number;
}

export interface UsageQuery {
  /** Only this owner's usage; all owners when absent. */
  readonly owner?: string;
  readonly from?: number;
  readonly to?: number;
}

/** Usage summed by owner, key, model and UTC day (`YYYY-MM-DD`). */
export interface UsageSummaryRow {
  readonly owner: string;
  readonly keyId: string | null;
  readonly model: string;
  readonly day: string;
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cost: number | null;
}

/** A message as an import writes it; without `parts`, its text is its one part. */
export type ImportedMessage = Omit<MessageRecord, 'parts'> & { readonly parts?: readonly PartRecord[] };

/** A whole conversation as written by an import: ids, times and statuses kept as given. */
export interface ImportedConversation {
  readonly conversation: ConversationRecord;
  /** Parents may come in any order; every parent is in the list (or null). */
  readonly messages: readonly ImportedMessage[];
}

/**
 * Rows of an import written together: each conversation in the slice of its first messages or an
 * earlier one, each message after its parent (in the same slice or an earlier one).
 */
export interface ImportSlice {
  readonly conversations: readonly ConversationRecord[];
  readonly messages: readonly ImportedMessage[];
  /**
   * Bytes the slice's messages name, owned by the importing owner once the import is committed
   * (only an `ImportWriter` writes them).
   */
  readonly attachments?: readonly NewAttachment[];
}

/**
 * An import written slice by slice (`Store.beginImport`), so that no single write holds the
 * database or the event loop for long. Nothing of it is seen by anyone until `commit`, which
 * makes all of it visible at once; `abort` leaves nothing behind, and neither does a process
 * that dies before `commit`.
 */
export interface ImportWriter {
  /** Writes a slice; when an id exists already (or was written by an earlier slice), writes nothing of it and returns those ids. */
  write(slice: ImportSlice): Promise<{ readonly conflicts: readonly string[] }>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** A search match: a conversation's title or one message, with a highlighted snippet. */
export interface SearchHit {
  readonly kind: 'title' | 'message';
  readonly conversationId: string;
  readonly conversationTitle: string | null;
  readonly messageId: string | null;
  readonly role: MessageRole | null;
  /** Plain text around the match; matched terms are wrapped in `<mark>` and `</mark>`. */
  readonly snippet: string;
  /** How well this title or message matches (lower is better), among the hits of its conversation. */
  readonly rank: number;
  readonly createdAt: number;
}

export interface Store {
  /**
   * Writes the messages of a turn (and the conversation, when new) in one transaction and moves
   * `current_node` to the last of them. Returns false when the conversation is not the owner's
   * (or is deleted), writing nothing.
   */
  beginTurn(input: BeginTurnInput): Promise<boolean>;
  /** Updates one message's text and state; only the generation that owns it calls this. */
  updateMessage(messageId: string, update: MessageUpdate): Promise<void>;
  /**
   * Reopens a finished answer for a continuation, atomically: it becomes `in_progress` (written
   * by `generator`, its error cleared) and the conversation's current node. False when it is
   * `in_progress` already (another continuation won), or not a live answer of the owner's.
   */
  reopenAnswer(
    owner: string,
    conversationId: string,
    answerId: string,
    generator: string,
    now: number,
  ): Promise<boolean>;
  /** Records where a stateful upstream keeps these messages (one transaction). */
  setUpstreamRefs(refs: readonly UpstreamRefUpdate[]): Promise<void>;
  /** Marks every `in_progress` message `incomplete` (after a crash, nothing is generating them). */
  markInterruptedMessages(error: string, now: number): Promise<number>;
  /**
   * Marks `incomplete` the `in_progress` answers whose generator is not among `liveGenerators` (a
   * server that died mid-answer), keeping the text flushed so far; returns them.
   */
  reapOrphans(
    liveGenerators: readonly string[],
    error: string,
    now: number,
  ): Promise<readonly { readonly id: string; readonly content: string }[]>;

  getConversation(owner: string, conversationId: string): Promise<ConversationRecord | undefined>;
  /** For admins only: a live conversation whoever owns it (the caller checks the role). */
  findConversationForAdmin(conversationId: string): Promise<ConversationRecord | undefined>;
  /** Newest first (by update time). */
  listConversations(owner: string, offset: number, limit: number): Promise<Page<ConversationRecord>>;
  setTitle(owner: string, conversationId: string, title: string, now: number): Promise<boolean>;
  /** Soft delete: the conversation is gone from every read. */
  deleteConversation(owner: string, conversationId: string, now: number): Promise<boolean>;
  /** Soft-deletes every live conversation of the owner; returns how many. */
  deleteAllConversations(owner: string, now: number): Promise<number>;
  /** By creation time, with a cursor; an unknown `after` gives an empty page. */
  listConversationsAfter(owner: string, query: CursorQuery): Promise<CursorPage<ConversationRecord>>;
  updateConversation(
    owner: string,
    conversationId: string,
    patch: ConversationPatch,
    now: number,
  ): Promise<boolean>;
  /** Replaces the conversation's metadata. */
  setMetadata(owner: string, conversationId: string, metadata: Metadata, now: number): Promise<boolean>;

  /** Bytes of attachments the owner stored, by SHA-256 (those not found are absent from the map). */
  getAttachments(owner: string, sha256s: readonly string[]): Promise<ReadonlyMap<string, Uint8Array>>;

  /** One message of any of the owner's live conversations; undefined when deleted or foreign. */
  getMessage(owner: string, messageId: string): Promise<MessageRecord | undefined>;
  /**
   * Writes one message beside the conversation's flow (a context summary under the last message
   * it covers): `current_node` does not move. False when the conversation is not the owner's.
   */
  addDetachedMessage(
    owner: string,
    conversationId: string,
    message: NewMessage,
    now: number,
  ): Promise<boolean>;
  /** The conversation's live context summaries: messages whose `context` names `summary_of`. */
  listSummaries(owner: string, conversationId: string): Promise<readonly MessageRecord[]>;
  /** Soft delete of one message (see `MessageRecord.deletedAt`). */
  deleteMessage(owner: string, conversationId: string, messageId: string, now: number): Promise<boolean>;

  /** Every message of a conversation (deleted ones too), oldest first; empty when it is not the owner's. */
  listMessages(owner: string, conversationId: string): Promise<readonly MessageRecord[]>;
  /**
   * The path from the root to `messageId` (deleted ones too), root first, in one query; empty when
   * not found. With `newest`, only that many messages ending at `messageId` (the walk stops there).
   */
  getPath(
    owner: string,
    conversationId: string,
    messageId: string,
    newest?: number,
  ): Promise<readonly MessageRecord[]>;
  /** How many messages the path from the root to `messageId` holds (0 when not found), without reading them. */
  countPath(owner: string, conversationId: string, messageId: string): Promise<number>;
  /** The children of a message, oldest first (the root's children when `parentId` is null). */
  getChildren(
    owner: string,
    conversationId: string,
    parentId: string | null,
  ): Promise<readonly MessageRecord[]>;

  /**
   * Full-text search over the owner's titles and finished, live messages. `text` is what a person
   * typed: a conversation matches when each word (the last one as a prefix) occurs in its title or
   * in any of its messages; its hits are the title and the messages holding any of the words.
   * Conversations whose title matched come first, then the most recently updated; within one
   * conversation, the title, then its messages by relevance.
   */
  search(owner: string, text: string, limit: number): Promise<readonly SearchHit[]>;

  /**
   * Writes whole conversations in one transaction. When any conversation or message id exists
   * already, writes nothing and returns those ids.
   */
  importConversations(
    items: readonly ImportedConversation[],
  ): Promise<{ readonly conflicts: readonly string[] }>;

  /** Starts a large import for `owner`, written in slices and seen only once committed (`ImportWriter`). */
  beginImport(owner: string): Promise<ImportWriter>;

  /** Users, their keys and sessions, sign-in failures and the audit log. */
  readonly access: AccessStore;

  /** Writes usage rows in one transaction (the recorder batches them). */
  recordUsage(rows: readonly UsageRecord[]): Promise<void>;
  summarizeUsage(query: UsageQuery): Promise<readonly UsageSummaryRow[]>;

  /** Stores `value` under `name` unless a value is there already; returns the stored value. */
  ensureSetting(name: string, value: string): Promise<string>;

  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>;

  close(): Promise<void>;
}
