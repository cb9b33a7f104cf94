/**
 * The SQLite Store, on Node's built-in `node:sqlite` driver: one file, WAL, migrations at open.
 * Statements are prepared once; each turn is one `BEGIN IMMEDIATE` transaction.
 */

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type SQLOutputValue, type StatementSync } from 'node:sqlite';
import { parentsFirst } from '../parents-first.ts';
import { decodeJson, decodeParts, encodeJson, encodeParts } from '../parts.ts';
import type {
  BeginTurnInput,
  ConversationPatch,
  ConversationRecord,
  CursorPage,
  CursorQuery,
  ImportedConversation,
  ImportWriter,
  MessageContext,
  MessageRecord,
  MessageRole,
  MessageStatus,
  MessageUpdate,
  Metadata,
  NewMessage,
  RequestOptions,
  Page,
  SearchHit,
  Store,
  UpstreamRefUpdate,
  UsageQuery,
  UsageRecord,
  UsageSummaryRow,
} from '../store.ts';
import { summaryOf } from '../store.ts';
import { sqliteMigrations } from './migrations.ts';
import { SqliteAccessStore } from './sqlite-access-store.ts';
import {
  discardStagedImports,
  type ImportStatements,
  prepareImportStatements,
  SqliteImportWriter,
  writeImportSlice,
} from './sqlite-import.ts';
import {
  OWNER_TAG_OF,
  prepareSearchStatements,
  type SearchStatements,
  searchOwner,
} from './sqlite-search.ts';
import { inTransaction } from './sqlite-transaction.ts';
import { nullableNumber, nullableString } from './sqlite-values.ts';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:`. The file's folder is created when missing. */
  readonly path: string;
  /** `NORMAL` (default) is durable across process crashes in WAL mode; `FULL` also across power loss. */
  readonly synchronous?: 'NORMAL' | 'FULL';
}

type Row = Record<string, SQLInputValue>;
/** Message rows come as arrays, in `MESSAGE_COLUMNS` order: node:sqlite builds them far faster than objects. */
type MessageRow = readonly SQLOutputValue[];

const MESSAGE_COLUMNS = `m.id, m.conversation_id, m.parent_id, m.role, m.content, m.model, m.provider, m.status,
  m.finish_reason, m.input_tokens, m.output_tokens, m.error, m.request_options, m.deleted_at, m.context,
  m.upstream_conversation_id, m.upstream_message_id, m.created_at, m.updated_at, m.parts`;
const OWNED = `c.owner = ? AND c.deleted_at IS NULL`;
/** The parent's rowid, stored on the child so the walk to the root follows integer keys. */
const PARENT_ROW_OF = (parentIdParameter: string) =>
  `(SELECT p.rowid FROM messages p WHERE p.id = ${parentIdParameter})`;
/** The depth of a new message: its parent's plus one, 0 for a root. */
const DEPTH_UNDER = (parentIdParameter: string) =>
  `coalesce((SELECT p.depth + 1 FROM messages p WHERE p.id = ${parentIdParameter}), 0)`;

/**
 * How long after a write the search index catches up (a search catches it up at once): long enough
 * that a busy server indexes many messages per transaction (fewer FTS segments to merge later).
 */
const INDEX_DELAY_MS = 1_000;
/** Queued messages indexed per transaction by the background indexing (a search indexes all). */
const INDEX_BATCH = 200;

/** Opens (and migrates) a SQLite database and returns a Store over it. */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const database = new DatabaseSync(options.path);
  database.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.synchronous ?? 'NORMAL'};
    PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;`);
  migrate(database);
  return new SqliteStore(database);
}

function migrate(database: DatabaseSync): void {
  const row = database.prepare('PRAGMA user_version').get() as Row | undefined;
  const applied = Number(row?.user_version ?? 0);
  for (let index = applied; index < sqliteMigrations.length; index++) {
    inTransaction(database, () => {
      database.exec(sqliteMigrations[index] ?? '');
      database.exec(`PRAGMA user_version = ${index + 1}`);
    });
  }
}

class SqliteStore implements Store {
  readonly #database: DatabaseSync;
  readonly #statements: ReturnType<typeof prepareStatements>;
  readonly #imports: ImportStatements;
  readonly #search: SearchStatements;
  #indexTimer: NodeJS.Timeout | undefined;

  readonly access: SqliteAccessStore;

  constructor(database: DatabaseSync) {
    this.#database = database;
    this.#statements = prepareStatements(database);
    this.#imports = prepareImportStatements(database);
    this.#search = prepareSearchStatements(database);
    discardStagedImports(database, this.#imports);
    this.access = new SqliteAccessStore(database);
  }

  async beginTurn(input: BeginTurnInput): Promise<boolean> {
    const statements = this.#statements;
    this.#scheduleIndexing();
    return inTransaction(this.#database, () => {
      if (input.newConversation !== undefined) {
        const conversation = input.newConversation;
        statements.insertConversation.run(
          conversation.id,
          input.owner,
          conversation.title,
          conversation.model,
          conversation.metadata === undefined ? null : JSON.stringify(conversation.metadata),
          conversation.systemPrompt ?? null,
          conversation.temperature ?? null,
          conversation.maxOutputTokens ?? null,
          input.now,
          input.now,
        );
      }
      const owned = statements.ownedConversation.get(input.conversationId, input.owner) as Row | undefined;
      if (owned === undefined) return false;
      for (const attachment of input.attachments ?? []) {
        statements.insertAttachment.run(
          attachment.sha256,
          attachment.data.byteLength,
          attachment.data,
          input.now,
        );
        statements.insertAttachmentOwner.run(input.owner, attachment.sha256);
      }
      let first = true;
      for (const message of input.messages) {
        const parentId =
          first && input.appendToCurrentNode === true ? nullableString(owned.current_node) : message.parentId;
        first = false;
        insertNewMessage(statements, input.conversationId, { ...message, parentId }, input.now);
      }
      const last = input.messages.at(-1);
      if (last !== undefined) statements.moveCurrentNode.run(last.id, input.now, input.conversationId);
      return true;
    });
  }

  async updateMessage(messageId: string, update: MessageUpdate): Promise<void> {
    if (update.status !== 'in_progress') this.#scheduleIndexing();
    this.#statements.updateMessage.run(
      update.content,
      encodeParts(update.parts, update.content),
      update.status,
      update.finishReason ?? null,
      update.inputTokens ?? null,
      update.outputTokens ?? null,
      update.error ?? null,
      update.now,
      messageId,
    );
  }

  async reopenAnswer(
    owner: string,
    conversationId: string,
    answerId: string,
    generator: string,
    now: number,
  ): Promise<boolean> {
    return inTransaction(this.#database, () => {
      const reopened = this.#statements.reopenAnswer.run(generator, now, answerId, conversationId, owner);
      if (Number(reopened.changes) === 0) return false;
      this.#statements.moveCurrentNode.run(answerId, now, conversationId);
      return true;
    });
  }

  async getAttachments(owner: string, sha256s: readonly string[]): Promise<ReadonlyMap<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    if (sha256s.length === 0) return found;
    const rows = this.#statements.getAttachments.all(owner, JSON.stringify(sha256s)) as Row[];
    for (const row of rows) found.set(String(row.sha256), row.data as Uint8Array);
    return found;
  }

  async setUpstreamRefs(refs: readonly UpstreamRefUpdate[]): Promise<void> {
    inTransaction(this.#database, () => {
      for (const ref of refs) {
        this.#statements.setUpstreamRef.run(ref.upstreamConversationId, ref.upstreamMessageId, ref.messageId);
      }
    });
  }

  async reapOrphans(
    liveGenerators: readonly string[],
    error: string,
    now: number,
  ): Promise<readonly { readonly id: string; readonly content: string }[]> {
    const rows = this.#statements.reapOrphans.all(error, now, JSON.stringify(liveGenerators)) as Row[];
    return rows.map((row) => ({ id: String(row.id), content: String(row.content) }));
  }

  async markInterruptedMessages(error: string, now: number): Promise<number> {
    const result = this.#statements.markInterrupted.run(error, now);
    return Number(result.changes);
  }

  async getConversation(owner: string, conversationId: string): Promise<ConversationRecord | undefined> {
    const row = this.#statements.getConversation.get(conversationId, owner) as Row | undefined;
    return row === undefined ? undefined : toConversation(row);
  }

  async findConversationForAdmin(conversationId: string): Promise<ConversationRecord | undefined> {
    const row = this.#statements.getConversationAnyOwner.get(conversationId) as Row | undefined;
    return row === undefined ? undefined : toConversation(row);
  }

  async listConversations(owner: string, offset: number, limit: number): Promise<Page<ConversationRecord>> {
    const rows = this.#statements.listConversations.all(owner, limit, offset) as Row[];
    const count = this.#statements.countConversations.get(owner) as Row;
    return { items: rows.map(toConversation), total: Number(count.total) };
  }

  async setTitle(owner: string, conversationId: string, title: string, now: number): Promise<boolean> {
    return Number(this.#statements.setTitle.run(title, now, conversationId, owner).changes) > 0;
  }

  async deleteConversation(owner: string, conversationId: string, now: number): Promise<boolean> {
    return Number(this.#statements.softDelete.run(now, conversationId, owner).changes) > 0;
  }

  async deleteAllConversations(owner: string, now: number): Promise<number> {
    return Number(this.#statements.softDeleteAll.run(now, owner).changes);
  }

  async listConversationsAfter(owner: string, query: CursorQuery): Promise<CursorPage<ConversationRecord>> {
    const statements = this.#statements;
    const statement =
      query.by === 'updated'
        ? query.order === 'asc'
          ? statements.listUpdatedAfterAsc
          : statements.listUpdatedAfterDesc
        : query.order === 'asc'
          ? statements.listAfterAsc
          : statements.listAfterDesc;
    const cursor = query.after ?? null;
    const rows = statement.all(owner, cursor, cursor, cursor, cursor, query.limit + 1) as Row[];
    return { items: rows.slice(0, query.limit).map(toConversation), hasMore: rows.length > query.limit };
  }

  async updateConversation(
    owner: string,
    conversationId: string,
    patch: ConversationPatch,
    now: number,
  ): Promise<boolean> {
    // One statement: each field is set only when the patch has it (a flag per field).
    const result = this.#statements.updateConversation.run(
      patch.title === undefined ? 0 : 1,
      patch.title ?? null,
      patch.systemPrompt === undefined ? 0 : 1,
      patch.systemPrompt ?? null,
      patch.model === undefined ? 0 : 1,
      patch.model ?? null,
      patch.temperature === undefined ? 0 : 1,
      patch.temperature ?? null,
      patch.maxOutputTokens === undefined ? 0 : 1,
      patch.maxOutputTokens ?? null,
      patch.currentNode === undefined ? 0 : 1,
      patch.currentNode ?? null,
      now,
      conversationId,
      owner,
    );
    return Number(result.changes) > 0;
  }

  async setMetadata(
    owner: string,
    conversationId: string,
    metadata: Metadata,
    now: number,
  ): Promise<boolean> {
    const result = this.#statements.setMetadata.run(JSON.stringify(metadata), now, conversationId, owner);
    return Number(result.changes) > 0;
  }

  async getMessage(owner: string, messageId: string): Promise<MessageRecord | undefined> {
    const row = this.#statements.getMessage.get(messageId, owner) as unknown as MessageRow | undefined;
    return row === undefined ? undefined : toMessage(row);
  }

  async addDetachedMessage(
    owner: string,
    conversationId: string,
    message: NewMessage,
    now: number,
  ): Promise<boolean> {
    const statements = this.#statements;
    this.#scheduleIndexing();
    return inTransaction(this.#database, () => {
      if (statements.ownedConversation.get(conversationId, owner) === undefined) return false;
      insertNewMessage(statements, conversationId, message, now);
      return true;
    });
  }

  async listSummaries(owner: string, conversationId: string): Promise<readonly MessageRecord[]> {
    return allMessageRows(this.#statements.listSummaries, conversationId, owner).map(toMessage);
  }

  async deleteMessage(
    owner: string,
    conversationId: string,
    messageId: string,
    now: number,
  ): Promise<boolean> {
    return Number(this.#statements.deleteMessage.run(now, messageId, conversationId, owner).changes) > 0;
  }

  async listMessages(owner: string, conversationId: string): Promise<readonly MessageRecord[]> {
    return allMessageRows(this.#statements.listMessages, conversationId, owner).map(toMessage);
  }

  async getPath(
    owner: string,
    conversationId: string,
    messageId: string,
    newest?: number,
  ): Promise<readonly MessageRecord[]> {
    const statements = this.#statements;
    const limit = newest ?? -1;
    const path = walkedPath(
      allMessageRows(statements.getPath, messageId, conversationId, owner, limit),
      limit,
    );
    if (path !== undefined) return path;
    // A parent rowid did not lead to the parent (rowids renumbered by a VACUUM): walk by id and repair.
    const rows = allMessageRows(statements.getPathById, messageId, conversationId, owner, limit);
    statements.repairParentRows.run(conversationId);
    return rows
      .toSorted((a, b) => Number(b[PATH_DEPTH]) - Number(a[PATH_DEPTH]))
      .map((row) => toMessage(row));
  }

  async countPath(owner: string, conversationId: string, messageId: string): Promise<number> {
    const row = this.#statements.countPath.get(messageId, conversationId, owner) as Row | undefined;
    return Number(row?.count ?? 0);
  }

  async getChildren(
    owner: string,
    conversationId: string,
    parentId: string | null,
  ): Promise<readonly MessageRecord[]> {
    const rows =
      parentId === null
        ? allMessageRows(this.#statements.getRoots, conversationId, owner)
        : allMessageRows(this.#statements.getChildren, conversationId, parentId, owner);
    return rows.map(toMessage);
  }

  async search(owner: string, text: string, limit: number): Promise<readonly SearchHit[]> {
    // Whatever was written before the search is found by it.
    this.#indexQueuedMessages();
    return searchOwner(this.#search, owner, text, limit);
  }

  async importConversations(
    items: readonly ImportedConversation[],
  ): Promise<{ readonly conflicts: readonly string[] }> {
    this.#scheduleIndexing();
    const slice = {
      conversations: items.map((item) => item.conversation),
      messages: items.flatMap(({ conversation, messages }) =>
        parentsFirst(messages).map((message) => ({ ...message, conversationId: conversation.id })),
      ),
    };
    return inTransaction(this.#database, () => writeImportSlice(this.#imports, slice));
  }

  async beginImport(owner: string): Promise<ImportWriter> {
    return new SqliteImportWriter(this.#database, this.#imports, owner, () => this.#scheduleIndexing());
  }

  async recordUsage(rows: readonly UsageRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const insert = this.#statements.insertUsage;
    inTransaction(this.#database, () => {
      for (const usage of rows) {
        insert.run(
          usage.owner,
          usage.keyId,
          usage.conversationId,
          usage.messageId,
          usage.model,
          usage.provider,
          usage.inputTokens,
          usage.outputTokens,
          usage.tokensCounted ? 1 : 0,
          usage.cost,
          usage.latencyMs,
          usage.firstTokenMs,
          usage.status,
          usage.createdAt,
        );
      }
    });
  }

  async summarizeUsage(query: UsageQuery): Promise<readonly UsageSummaryRow[]> {
    const rows = this.#statements.summarizeUsage.all(
      query.owner ?? null,
      query.owner ?? null,
      query.from ?? null,
      query.from ?? null,
      query.to ?? null,
      query.to ?? null,
    ) as Row[];
    return rows.map((row) => ({
      owner: String(row.owner),
      keyId: nullableString(row.key_id),
      model: String(row.model),
      day: String(row.day),
      requests: Number(row.requests),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      cost: nullableNumber(row.cost),
    }));
  }

  async ensureSetting(name: string, value: string): Promise<string> {
    this.#statements.insertSetting.run(name, value);
    return String((this.#statements.getSetting.get(name) as Row).value);
  }

  async ping(): Promise<void> {
    this.#statements.ping.get();
  }

  async close(): Promise<void> {
    clearTimeout(this.#indexTimer);
    if (!this.#database.isOpen) return;
    this.#indexQueuedMessages();
    this.#database.close();
  }

  /** Indexes the queue in a moment: the writes of a burst are indexed together, off their path. */
  #scheduleIndexing(): void {
    if (this.#indexTimer !== undefined) return;
    this.#indexTimer = setTimeout(() => this.#indexSomeQueued(), INDEX_DELAY_MS);
    this.#indexTimer.unref();
  }

  /**
   * Indexes up to `INDEX_BATCH` queued messages in one transaction, and the rest in later turns of
   * the event loop: after a large import, requests run between two batches.
   */
  #indexSomeQueued(): void {
    this.#indexTimer = undefined;
    if (!this.#database.isOpen) return;
    const statements = this.#statements;
    const last = statements.ftsQueuedBatchEnd.get(INDEX_BATCH - 1) as Row | undefined;
    if (last === undefined) {
      this.#indexQueuedMessages();
      return;
    }
    const upTo = Number(last.message_row);
    inTransaction(this.#database, () => {
      statements.ftsUnindexQueuedUpTo.run(upTo);
      statements.ftsIndexQueuedUpTo.run(upTo);
      statements.ftsClearQueueUpTo.run(upTo);
    });
    this.#indexTimer = setTimeout(() => this.#indexSomeQueued(), 0);
    this.#indexTimer.unref();
  }

  /** Moves the queued messages into the search index, in one transaction. */
  #indexQueuedMessages(): void {
    const statements = this.#statements;
    if (statements.ftsQueued.get() === undefined) return;
    inTransaction(this.#database, () => {
      statements.ftsUnindexQueued.run();
      statements.ftsIndexQueued.run();
      statements.ftsClearQueue.run();
    });
  }
}

function insertNewMessage(
  statements: ReturnType<typeof prepareStatements>,
  conversationId: string,
  message: NewMessage,
  now: number,
): void {
  statements.insertMessage.run(
    message.id,
    conversationId,
    message.parentId,
    message.role,
    message.content,
    message.model ?? null,
    message.provider ?? null,
    message.status,
    encodeJson(message.requestOptions),
    encodeJson(message.context),
    message.generator ?? null,
    now,
    now,
    encodeParts(message.parts, message.content),
    summaryOf(message),
  );
}

/**
 * Puts queued messages in the search index (with `upTo`, only the queue up to the message row given
 * as the parameter). CROSS JOIN keeps the queue, a few rows, the outer loop: with a plain JOIN the
 * planner scanned every message at each indexing, and a search (which indexes first) cost in
 * proportion to the whole store (docs/benchmarks.md, 2026-12-03).
 */
export function indexQueuedSql(upTo: boolean): string {
  return `INSERT INTO messages_fts (rowid, owner, content)
    SELECT m.rowid, ${OWNER_TAG_OF('c.owner')}, m.content FROM messages_fts_queue q
      CROSS JOIN messages m ON m.rowid = q.message_row JOIN conversations c ON c.id = m.conversation_id
    WHERE ${upTo ? 'q.message_row <= ? AND ' : ''}m.status <> 'in_progress' AND m.deleted_at IS NULL
      AND c.deleted_at IS NULL`;
}

function prepareStatements(database: DatabaseSync) {
  const prepare = (sql: string): StatementSync => database.prepare(sql);
  const prepareMessageRows = (sql: string): StatementSync => {
    const statement = database.prepare(sql);
    statement.setReturnArrays(true);
    return statement;
  };
  return {
    insertConversation: prepare(
      `INSERT INTO conversations (id, owner, title, model, current_node, metadata, system_prompt, temperature,
         max_output_tokens, created_at, updated_at)
       VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)`,
    ),
    ping: prepare('SELECT 1'),
    reapOrphans: prepare(
      `UPDATE messages SET status = 'incomplete', error = ?, updated_at = ?
       WHERE status = 'in_progress' AND (generator IS NULL OR generator NOT IN (SELECT value FROM json_each(?)))
       RETURNING id, content`,
    ),
    listSummaries: prepareMessageRows(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.conversation_id = ? AND ${OWNED} AND m.deleted_at IS NULL
         AND m.summary_of IS NOT NULL ORDER BY m.created_at, m.rowid`,
    ),
    ftsQueued: prepare('SELECT 1 FROM messages_fts_queue LIMIT 1'),
    // Queued messages replace their entries (an answer continued then ended again is queued twice).
    ftsUnindexQueued: prepare(
      'DELETE FROM messages_fts WHERE rowid IN (SELECT message_row FROM messages_fts_queue)',
    ),
    ftsIndexQueued: prepare(indexQueuedSql(false)),
    ftsClearQueue: prepare('DELETE FROM messages_fts_queue'),
    // The same, for the queue up to a message row (a batch of it).
    ftsQueuedBatchEnd: prepare(
      'SELECT message_row FROM messages_fts_queue ORDER BY message_row LIMIT 1 OFFSET ?',
    ),
    ftsUnindexQueuedUpTo: prepare(
      'DELETE FROM messages_fts WHERE rowid IN (SELECT message_row FROM messages_fts_queue WHERE message_row <= ?)',
    ),
    ftsIndexQueuedUpTo: prepare(indexQueuedSql(true)),
    ftsClearQueueUpTo: prepare('DELETE FROM messages_fts_queue WHERE message_row <= ?'),
    getConversationAnyOwner: prepare(
      'SELECT c.* FROM conversations c WHERE c.id = ? AND c.deleted_at IS NULL',
    ),
    insertUsage: prepare(
      `INSERT INTO usage (owner, key_id, conversation_id, message_id, model, provider, input_tokens, output_tokens,
         tokens_counted, cost, latency_ms, first_token_ms, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    summarizeUsage: prepare(
      `SELECT owner, key_id, model, strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS day,
         COUNT(*) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
         SUM(cost) AS cost
       FROM usage
       WHERE (? IS NULL OR owner = ?) AND (? IS NULL OR created_at >= ?) AND (? IS NULL OR created_at < ?)
       GROUP BY owner, key_id, model, day ORDER BY day, owner, key_id, model`,
    ),
    insertSetting: prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING'),
    getSetting: prepare('SELECT value FROM settings WHERE name = ?'),
    ownedConversation: prepare(`SELECT c.current_node FROM conversations c WHERE c.id = ? AND ${OWNED}`),
    insertMessage: prepare(
      `INSERT INTO messages (id, conversation_id, parent_id, role, content, model, provider, status,
         request_options, context, generator, created_at, updated_at, parts, summary_of, parent_row, depth)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ${PARENT_ROW_OF('?3')},
         ${DEPTH_UNDER('?3')})`,
    ),
    moveCurrentNode: prepare(`UPDATE conversations SET current_node = ?, updated_at = ? WHERE id = ?`),
    insertAttachment: prepare(
      'INSERT INTO attachments (sha256, size, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    insertAttachmentOwner: prepare(
      'INSERT INTO attachment_owners (owner, sha256) VALUES (?, ?) ON CONFLICT DO NOTHING',
    ),
    getAttachments: prepare(
      `SELECT a.sha256, a.data FROM attachments a
       JOIN attachment_owners o ON o.sha256 = a.sha256 AND o.owner = ?
       WHERE a.sha256 IN (SELECT value FROM json_each(?))`,
    ),
    updateMessage: prepare(
      // An answer in progress keeps the parts it has (a continued answer's earlier reasoning and
      // tool calls): they are written once, when it completes.
      `UPDATE messages SET content = ?1, parts = CASE WHEN ?3 = 'in_progress' THEN parts ELSE ?2 END,
         status = ?3, finish_reason = ?4, input_tokens = ?5, output_tokens = ?6, error = ?7,
         updated_at = ?8 WHERE id = ?9`,
    ),
    reopenAnswer: prepare(
      `UPDATE messages SET status = 'in_progress', error = NULL, generator = ?, updated_at = ?
       WHERE id = ? AND conversation_id = ? AND role = 'assistant' AND status <> 'in_progress'
         AND deleted_at IS NULL
         AND conversation_id IN (SELECT id FROM conversations WHERE owner = ? AND deleted_at IS NULL)`,
    ),
    setUpstreamRef: prepare(
      'UPDATE messages SET upstream_conversation_id = ?, upstream_message_id = ? WHERE id = ?',
    ),
    markInterrupted: prepare(
      `UPDATE messages SET status = 'incomplete', error = ?, updated_at = ? WHERE status = 'in_progress'`,
    ),
    getConversation: prepare(`SELECT c.* FROM conversations c WHERE c.id = ? AND ${OWNED}`),
    listConversations: prepare(
      `SELECT c.* FROM conversations c WHERE ${OWNED} ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ? OFFSET ?`,
    ),
    countConversations: prepare(`SELECT COUNT(*) AS total FROM conversations c WHERE ${OWNED}`),
    setTitle: prepare(`UPDATE conversations AS c SET title = ?, updated_at = ? WHERE c.id = ? AND ${OWNED}`),
    softDeleteAll: prepare(`UPDATE conversations AS c SET deleted_at = ? WHERE ${OWNED}`),
    softDelete: prepare(`UPDATE conversations AS c SET deleted_at = ? WHERE c.id = ? AND ${OWNED}`),
    // Keyset pagination on (created_at, id): the cursor row's position, then the rows after it.
    listAfterAsc: prepare(
      `SELECT c.* FROM conversations c WHERE ${OWNED} AND (? IS NULL OR (c.created_at, c.id) >
         (SELECT created_at, id FROM conversations WHERE id = ? AND owner = c.owner))
         AND (? IS NULL OR EXISTS (SELECT 1 FROM conversations WHERE id = ? AND owner = c.owner))
       ORDER BY c.created_at, c.id LIMIT ?`,
    ),
    listAfterDesc: prepare(
      `SELECT c.* FROM conversations c WHERE ${OWNED} AND (? IS NULL OR (c.created_at, c.id) <
         (SELECT created_at, id FROM conversations WHERE id = ? AND owner = c.owner))
         AND (? IS NULL OR EXISTS (SELECT 1 FROM conversations WHERE id = ? AND owner = c.owner))
       ORDER BY c.created_at DESC, c.id DESC LIMIT ?`,
    ),
    listUpdatedAfterAsc: prepare(
      `SELECT c.* FROM conversations c WHERE ${OWNED} AND (? IS NULL OR (c.updated_at, c.id) >
         (SELECT updated_at, id FROM conversations WHERE id = ? AND owner = c.owner))
         AND (? IS NULL OR EXISTS (SELECT 1 FROM conversations WHERE id = ? AND owner = c.owner))
       ORDER BY c.updated_at, c.id LIMIT ?`,
    ),
    listUpdatedAfterDesc: prepare(
      `SELECT c.* FROM conversations c WHERE ${OWNED} AND (? IS NULL OR (c.updated_at, c.id) <
         (SELECT updated_at, id FROM conversations WHERE id = ? AND owner = c.owner))
         AND (? IS NULL OR EXISTS (SELECT 1 FROM conversations WHERE id = ? AND owner = c.owner))
       ORDER BY c.updated_at DESC, c.id DESC LIMIT ?`,
    ),
    updateConversation: prepare(
      `UPDATE conversations AS c SET
         title = CASE WHEN ? THEN ? ELSE title END,
         system_prompt = CASE WHEN ? THEN ? ELSE system_prompt END,
         model = CASE WHEN ? THEN ? ELSE model END,
         temperature = CASE WHEN ? THEN ? ELSE temperature END,
         max_output_tokens = CASE WHEN ? THEN ? ELSE max_output_tokens END,
         current_node = CASE WHEN ? THEN ? ELSE current_node END,
         updated_at = ?
       WHERE c.id = ? AND ${OWNED}`,
    ),
    setMetadata: prepare(
      `UPDATE conversations AS c SET metadata = ?, updated_at = ? WHERE c.id = ? AND ${OWNED}`,
    ),
    getMessage: prepareMessageRows(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.id = ? AND m.deleted_at IS NULL AND ${OWNED}`,
    ),
    deleteMessage: prepare(
      `UPDATE messages AS m SET deleted_at = ? WHERE m.id = ? AND m.conversation_id = ? AND m.deleted_at IS NULL
         AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = m.conversation_id AND ${OWNED})`,
    ),
    listMessages: prepareMessageRows(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.conversation_id = ? AND ${OWNED} ORDER BY m.created_at, m.rowid`,
    ),
    getPath: prepareMessageRows(
      // Walks up by the parents' rowids; the final read is a rowid lookup too.
      `WITH RECURSIVE path (row, parent_row, depth) AS (
         SELECT m.rowid, m.parent_row, 0 FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE m.id = ? AND m.conversation_id = ? AND ${OWNED}
         UNION ALL
         SELECT parent.rowid, parent.parent_row, path.depth + 1 FROM path
           JOIN messages parent ON parent.rowid = path.parent_row
         LIMIT ?
       )
       SELECT ${MESSAGE_COLUMNS}, path.depth FROM path JOIN messages m ON m.rowid = path.row`,
    ),
    // A path holds its last message's depth plus one.
    countPath: prepare(
      `SELECT m.depth + 1 AS count FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.id = ? AND m.conversation_id = ? AND ${OWNED}`,
    ),
    repairParentRows: prepare(
      `UPDATE messages SET parent_row = (SELECT p.rowid FROM messages p WHERE p.id = messages.parent_id)
       WHERE conversation_id = ?`,
    ),
    getPathById: prepareMessageRows(
      // The same walk by id, for when the stored parent rowids no longer hold.
      `WITH RECURSIVE path (row, parent_id, depth) AS (
         SELECT m.rowid, m.parent_id, 0 FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE m.id = ? AND m.conversation_id = ? AND ${OWNED}
         UNION ALL
         SELECT parent.rowid, parent.parent_id, path.depth + 1 FROM path JOIN messages parent ON parent.id = path.parent_id
         LIMIT ?
       )
       SELECT ${MESSAGE_COLUMNS}, path.depth FROM path JOIN messages m ON m.rowid = path.row`,
    ),
    getRoots: prepareMessageRows(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.conversation_id = ? AND m.parent_id IS NULL AND ${OWNED} ORDER BY m.created_at, m.rowid`,
    ),
    getChildren: prepareMessageRows(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE m.conversation_id = ? AND m.parent_id = ? AND ${OWNED} ORDER BY m.created_at, m.rowid`,
    ),
  };
}

function toConversation(row: Row): ConversationRecord {
  return {
    id: String(row.id),
    owner: String(row.owner),
    title: nullableString(row.title),
    model: nullableString(row.model),
    currentNode: nullableString(row.current_node),
    systemPrompt: nullableString(row.system_prompt),
    temperature: nullableNumber(row.temperature),
    maxOutputTokens: nullableNumber(row.max_output_tokens),
    metadata:
      row.metadata === null || row.metadata === undefined
        ? {}
        : (JSON.parse(String(row.metadata)) as Metadata),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The rows of a statement made by `prepareMessageRows`. */
function allMessageRows(statement: StatementSync, ...parameters: SQLInputValue[]): MessageRow[] {
  return statement.all(...parameters) as unknown as MessageRow[];
}

/** The column after `MESSAGE_COLUMNS` in `getPath`'s rows. */
const PATH_DEPTH = 20;

/**
 * The path, root first, from rows that came leaf first as the walk found them: reversed here
 * rather than sorted by SQLite, which would copy every row through a temporary B-tree. Undefined
 * when the rows are not a whole chain (each the parent of the one before, ending at a root — or
 * at the `limit`th message).
 */
function walkedPath(rows: readonly MessageRow[], limit: number): MessageRecord[] | undefined {
  const path = new Array<MessageRecord>(rows.length);
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index] as MessageRow;
    if (row[PATH_DEPTH] !== index) return undefined;
    if (index > 0 && (rows[index - 1] as MessageRow)[2] !== row[0]) return undefined;
    path[rows.length - 1 - index] = toMessage(row);
  }
  const root = rows.at(-1);
  if (root !== undefined && root[2] !== null && rows.length !== limit) return undefined;
  return path;
}

function toMessage(row: MessageRow): MessageRecord {
  return {
    id: String(row[0]),
    conversationId: String(row[1]),
    parentId: nullableString(row[2]),
    role: String(row[3]) as MessageRole,
    content: String(row[4]),
    model: nullableString(row[5]),
    provider: nullableString(row[6]),
    status: String(row[7]) as MessageStatus,
    finishReason: nullableString(row[8]),
    inputTokens: nullableNumber(row[9]),
    outputTokens: nullableNumber(row[10]),
    error: nullableString(row[11]),
    requestOptions: decodeJson<RequestOptions>(nullableString(row[12])),
    deletedAt: nullableNumber(row[13]),
    context: decodeJson<MessageContext>(nullableString(row[14])),
    upstreamConversationId: nullableString(row[15]),
    upstreamMessageId: nullableString(row[16]),
    createdAt: Number(row[17]),
    updatedAt: Number(row[18]),
    parts: decodeParts(nullableString(row[19]), String(row[4])),
  };
}
