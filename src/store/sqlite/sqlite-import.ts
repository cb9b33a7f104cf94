/**
 * Imports on SQLite. One connection serves every request, so a transaction cannot stay open across
 * the slices of a large import (other requests' writes would join it). Instead each slice is its
 * own short transaction, written under a staging owner that no request reads
 * (`import:<uuid>`), attachments too; `commit` hands every staged conversation and attachment to
 * its owner in one transaction, and `abort` deletes them, a slice at a time (bytes no one else
 * owns with them). Leftovers of a process that died mid-import are
 * deleted when the store opens.
 */

import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { encodeJson, encodeParts } from '../parts.ts';
import { type ImportSlice, type ImportWriter, summaryOf } from '../store.ts';
import { inTransaction } from './sqlite-transaction.ts';

/** Rows deleted per transaction when an import is discarded. */
const DISCARD_BATCH = 500;
const STAGING_PREFIX = 'import:';

/** The newest `?2` messages of the conversations owned by `?1` (children before their parents). */
const STAGED_MESSAGES = `SELECT m.rowid FROM messages m JOIN conversations c ON c.id = m.conversation_id
  WHERE c.owner = ?1 ORDER BY m.rowid DESC LIMIT ?2`;
const STAGED_CONVERSATIONS = 'SELECT rowid FROM conversations WHERE owner = ?1 LIMIT ?2';
const STAGED_OWNERS = `owner >= '${STAGING_PREFIX}' AND owner < 'import;'`;

export type ImportStatements = ReturnType<typeof prepareImportStatements>;

export function prepareImportStatements(database: DatabaseSync) {
  const prepare = (sql: string) => database.prepare(sql);
  return {
    conversationExists: prepare('SELECT 1 FROM conversations WHERE id = ?'),
    messageExists: prepare('SELECT 1 FROM messages WHERE id = ?'),
    insertConversation: prepare(
      `INSERT INTO conversations (id, owner, title, model, current_node, metadata, system_prompt, temperature,
         max_output_tokens, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertMessage: prepare(
      `INSERT INTO messages (id, conversation_id, parent_id, role, content, model, provider, status, finish_reason,
         input_tokens, output_tokens, error, request_options, deleted_at, context, upstream_conversation_id,
         upstream_message_id, created_at, updated_at, parts, summary_of, parent_row, depth)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
         (SELECT p.rowid FROM messages p WHERE p.id = ?3),
         coalesce((SELECT p.depth + 1 FROM messages p WHERE p.id = ?3), 0))`,
    ),
    insertAttachment: prepare(
      'INSERT INTO attachments (sha256, size, data, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    insertAttachmentOwner: prepare(
      'INSERT INTO attachment_owners (owner, sha256) VALUES (?, ?) ON CONFLICT DO NOTHING',
    ),
    adopt: prepare('UPDATE conversations SET owner = ?1 WHERE owner = ?2'),
    adoptAttachments: prepare(
      `INSERT INTO attachment_owners (owner, sha256) SELECT ?1, sha256 FROM attachment_owners WHERE owner = ?2
       ON CONFLICT DO NOTHING`,
    ),
    releaseAttachments: prepare('DELETE FROM attachment_owners WHERE owner = ?1'),
    stagedAttachments: prepare('SELECT sha256 FROM attachment_owners WHERE owner = ?1 LIMIT ?2'),
    releaseSomeAttachments: prepare(
      'DELETE FROM attachment_owners WHERE owner = ?1 AND sha256 IN (SELECT value FROM json_each(?2))',
    ),
    // Bytes stay while anyone else owns them (the same image sent in a chat, another import).
    deleteUnownedAttachments: prepare(
      `DELETE FROM attachments WHERE sha256 IN (SELECT value FROM json_each(?1))
       AND NOT EXISTS (SELECT 1 FROM attachment_owners o WHERE o.sha256 = attachments.sha256)`,
    ),
    // Hard deletes leave no trigger behind them: the search index and its queue are cleaned here,
    // or a later row given the same rowid would match the deleted text.
    unindexMessages: prepare(`DELETE FROM messages_fts WHERE rowid IN (${STAGED_MESSAGES})`),
    unqueueMessages: prepare(`DELETE FROM messages_fts_queue WHERE message_row IN (${STAGED_MESSAGES})`),
    deleteMessages: prepare(`DELETE FROM messages WHERE rowid IN (${STAGED_MESSAGES})`),
    unindexTitles: prepare(`DELETE FROM titles_fts WHERE rowid IN (${STAGED_CONVERSATIONS})`),
    deleteConversations: prepare(`DELETE FROM conversations WHERE rowid IN (${STAGED_CONVERSATIONS})`),
    stagingOwners: prepare(
      `SELECT owner FROM conversations WHERE ${STAGED_OWNERS}
       UNION SELECT owner FROM attachment_owners WHERE ${STAGED_OWNERS}`,
    ),
  };
}

/**
 * Writes a slice in the caller's transaction, every conversation under `owner` (its own when
 * undefined; a slice with attachments needs `owner`, who owns them); when an id exists already,
 * writes nothing and returns those ids.
 */
export function writeImportSlice(
  statements: ImportStatements,
  slice: ImportSlice,
  owner?: string,
): { readonly conflicts: readonly string[] } {
  const conflicts: string[] = [];
  for (const conversation of slice.conversations) {
    if (statements.conversationExists.get(conversation.id) !== undefined) conflicts.push(conversation.id);
  }
  for (const message of slice.messages) {
    if (statements.messageExists.get(message.id) !== undefined) conflicts.push(message.id);
  }
  if (conflicts.length > 0) return { conflicts };
  const attachments = slice.attachments ?? [];
  if (attachments.length > 0 && owner === undefined)
    throw new Error('an import slice with attachments needs its owner');
  const now = Date.now();
  for (const attachment of attachments) {
    statements.insertAttachment.run(attachment.sha256, attachment.data.byteLength, attachment.data, now);
    statements.insertAttachmentOwner.run(owner ?? null, attachment.sha256);
  }
  for (const conversation of slice.conversations) {
    statements.insertConversation.run(
      conversation.id,
      owner ?? conversation.owner,
      conversation.title,
      conversation.model,
      conversation.currentNode,
      JSON.stringify(conversation.metadata),
      conversation.systemPrompt,
      conversation.temperature,
      conversation.maxOutputTokens,
      conversation.createdAt,
      conversation.updatedAt,
    );
  }
  for (const message of slice.messages) {
    statements.insertMessage.run(
      message.id,
      message.conversationId,
      message.parentId,
      message.role,
      message.content,
      message.model,
      message.provider,
      message.status,
      message.finishReason,
      message.inputTokens,
      message.outputTokens,
      message.error,
      encodeJson(message.requestOptions),
      message.deletedAt,
      encodeJson(message.context),
      message.upstreamConversationId,
      message.upstreamMessageId,
      message.createdAt,
      message.updatedAt,
      encodeParts(message.parts, message.content),
      summaryOf(message),
    );
  }
  return { conflicts };
}

/** Deletes up to `DISCARD_BATCH` staged rows in one transaction; false once none are left. */
function discardSome(database: DatabaseSync, statements: ImportStatements, stagingOwner: string): boolean {
  return inTransaction(database, () => {
    const staged = statements.stagedAttachments
      .all(stagingOwner, DISCARD_BATCH)
      .map((row) => String(row.sha256));
    if (staged.length > 0) {
      statements.releaseSomeAttachments.run(stagingOwner, JSON.stringify(staged));
      statements.deleteUnownedAttachments.run(JSON.stringify(staged));
      return true;
    }
    statements.unindexMessages.run(stagingOwner, DISCARD_BATCH);
    statements.unqueueMessages.run(stagingOwner, DISCARD_BATCH);
    if (Number(statements.deleteMessages.run(stagingOwner, DISCARD_BATCH).changes) > 0) return true;
    statements.unindexTitles.run(stagingOwner, DISCARD_BATCH);
    return Number(statements.deleteConversations.run(stagingOwner, DISCARD_BATCH).changes) > 0;
  });
}

/** Deletes what imports of a process that stopped mid-way left staged (at open: nothing else runs). */
export function discardStagedImports(database: DatabaseSync, statements: ImportStatements): void {
  for (const row of statements.stagingOwners.all()) {
    while (discardSome(database, statements, String(row.owner))) {}
  }
}

export class SqliteImportWriter implements ImportWriter {
  readonly #database: DatabaseSync;
  readonly #statements: ImportStatements;
  readonly #owner: string;
  readonly #stagingOwner = `${STAGING_PREFIX}${randomUUID()}`;
  readonly #written: () => void;

  /** `written` is told after each slice (the store schedules its search indexing). */
  constructor(database: DatabaseSync, statements: ImportStatements, owner: string, written: () => void) {
    this.#database = database;
    this.#statements = statements;
    this.#owner = owner;
    this.#written = written;
  }

  async write(slice: ImportSlice): Promise<{ readonly conflicts: readonly string[] }> {
    const result = inTransaction(this.#database, () =>
      writeImportSlice(this.#statements, slice, this.#stagingOwner),
    );
    this.#written();
    return result;
  }

  /** Every staged conversation and attachment goes to its owner at once. */
  async commit(): Promise<void> {
    inTransaction(this.#database, () => {
      this.#statements.adopt.run(this.#owner, this.#stagingOwner);
      this.#statements.adoptAttachments.run(this.#owner, this.#stagingOwner);
      this.#statements.releaseAttachments.run(this.#stagingOwner);
    });
  }

  async abort(): Promise<void> {
    while (this.#database.isOpen && discardSome(this.#database, this.#statements, this.#stagingOwner))
      await nextTurn();
  }
}
