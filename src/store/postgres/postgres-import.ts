/**
 * Imports on PostgreSQL: a large import holds one pooled connection in one transaction across its
 * slices, so nothing of it (rows or attachments) is seen before COMMIT, a ROLLBACK (or a
 * connection lost with the process) leaves nothing, and each slice is one bounded statement.
 */

import type { Pool, PoolClient } from 'pg';
import { encodeJson, encodeParts } from '../parts.ts';
import { type ImportSlice, type ImportWriter, summaryOf } from '../store.ts';

// Nothing is written when any id exists; the ids that do are the answer.
const IMPORT_ROWS = `
    WITH conflicts AS (
      SELECT id FROM conversations WHERE id = ANY($1::text[])
      UNION ALL SELECT id FROM messages WHERE id = ANY($10::text[])
    ), new_conversations AS (
      INSERT INTO conversations (id, owner, title, model, current_node, system_prompt, metadata,
        created_at, updated_at, temperature, max_output_tokens)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
        $7::text[], $8::bigint[], $9::bigint[], $31::double precision[], $32::integer[])
      WHERE NOT EXISTS (SELECT 1 FROM conflicts)
      RETURNING 1
    ), new_messages AS (
      INSERT INTO messages (id, conversation_id, parent_id, role, content, model, provider, status,
        finish_reason, input_tokens, output_tokens, error, request_options, context, deleted_at, created_at,
        updated_at, upstream_conversation_id, upstream_message_id, parts, summary_of)
      SELECT m.id, m.conversation_id, m.parent_id, m.role, m.content, m.model, m.provider, m.status,
        m.finish_reason, m.input_tokens, m.output_tokens, m.error, m.request_options, m.context, m.deleted_at,
        m.created_at, m.updated_at, m.upstream_conversation_id, m.upstream_message_id, m.parts, m.summary_of
      FROM unnest($10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[],
        $17::text[], $18::text[], $19::integer[], $20::integer[], $21::text[], $22::text[], $23::text[],
        $24::bigint[], $25::bigint[], $26::bigint[], $27::text[], $28::text[], $29::text[], $30::text[])
        WITH ORDINALITY
        AS m (id, conversation_id, parent_id, role, content, model, provider, status, finish_reason,
          input_tokens, output_tokens, error, request_options, context, deleted_at, created_at, updated_at,
          upstream_conversation_id, upstream_message_id, parts, summary_of, position)
      WHERE NOT EXISTS (SELECT 1 FROM conflicts)
      ORDER BY m.position
      RETURNING 1
    ), stored_attachments AS (
      INSERT INTO attachments (sha256, size, data, created_at)
      SELECT a.sha256, length(a.data), a.data, $35 FROM unnest($33::text[], $34::bytea[]) AS a (sha256, data)
      WHERE NOT EXISTS (SELECT 1 FROM conflicts)
      ON CONFLICT DO NOTHING
      RETURNING 1
    ), attachment_owned AS (
      INSERT INTO attachment_owners (owner, sha256)
      SELECT $36::text, a.sha256 FROM unnest($33::text[]) AS a (sha256) WHERE NOT EXISTS (SELECT 1 FROM conflicts)
      ON CONFLICT DO NOTHING
      RETURNING 1
    )
    SELECT id FROM conflicts`;

/**
 * Writes a slice in one statement on `database` (a pool: its own transaction; a client: the
 * client's), every conversation under `owner` (its own when undefined; a slice with attachments
 * needs `owner`, who owns them).
 */
export async function writeImportSlice(
  database: Pool | PoolClient,
  slice: ImportSlice,
  owner?: string,
): Promise<{ readonly conflicts: readonly string[] }> {
  const { conversations, messages } = slice;
  const attachments = slice.attachments ?? [];
  if (attachments.length > 0 && owner === undefined)
    throw new Error('an import slice with attachments needs its owner');
  const rows = await database.query<{ id: string }>(IMPORT_ROWS, [
    conversations.map((conversation) => conversation.id),
    conversations.map((conversation) => owner ?? conversation.owner),
    conversations.map((conversation) => conversation.title),
    conversations.map((conversation) => conversation.model),
    conversations.map((conversation) => conversation.currentNode),
    conversations.map((conversation) => conversation.systemPrompt),
    conversations.map((conversation) => JSON.stringify(conversation.metadata)),
    conversations.map((conversation) => conversation.createdAt),
    conversations.map((conversation) => conversation.updatedAt),
    messages.map((message) => message.id),
    messages.map((message) => message.conversationId),
    messages.map((message) => message.parentId),
    messages.map((message) => message.role),
    messages.map((message) => message.content),
    messages.map((message) => message.model),
    messages.map((message) => message.provider),
    messages.map((message) => message.status),
    messages.map((message) => message.finishReason),
    messages.map((message) => message.inputTokens),
    messages.map((message) => message.outputTokens),
    messages.map((message) => message.error),
    messages.map((message) => encodeJson(message.requestOptions)),
    messages.map((message) => encodeJson(message.context)),
    messages.map((message) => message.deletedAt),
    messages.map((message) => message.createdAt),
    messages.map((message) => message.updatedAt),
    messages.map((message) => message.upstreamConversationId),
    messages.map((message) => message.upstreamMessageId),
    messages.map((message) => encodeParts(message.parts, message.content)),
    messages.map(summaryOf),
    conversations.map((conversation) => conversation.temperature),
    conversations.map((conversation) => conversation.maxOutputTokens),
    attachments.map((attachment) => attachment.sha256),
    attachments.map((attachment) =>
      Buffer.from(attachment.data.buffer, attachment.data.byteOffset, attachment.data.byteLength),
    ),
    Date.now(),
    owner ?? null,
  ]);
  return { conflicts: rows.rows.map((row) => row.id) };
}

export class PostgresImportWriter implements ImportWriter {
  readonly #client: PoolClient;
  readonly #owner: string;
  #open = true;

  private constructor(client: PoolClient, owner: string) {
    this.#client = client;
    this.#owner = owner;
  }

  static async begin(pool: Pool, owner: string): Promise<PostgresImportWriter> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
    } catch (error) {
      client.release(true);
      throw error;
    }
    return new PostgresImportWriter(client, owner);
  }

  write(slice: ImportSlice): Promise<{ readonly conflicts: readonly string[] }> {
    return writeImportSlice(this.#client, slice, this.#owner);
  }

  commit(): Promise<void> {
    return this.#end('COMMIT');
  }

  abort(): Promise<void> {
    return this.#end('ROLLBACK');
  }

  async #end(statement: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    try {
      await this.#client.query(statement);
      this.#client.release();
    } catch (error) {
      // A connection in an unknown state is closed, not handed to the next query.
      this.#client.release(error instanceof Error ? error : true);
      throw error;
    }
  }
}
