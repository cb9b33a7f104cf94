/**
 * The PostgreSQL Store, on node-postgres (`pg`) with a connection pool: migrations at open, then
 * one statement (one round trip) per Store call. A turn is a single statement of data-modifying
 * CTEs, so it is atomic without an explicit transaction, and its messages go in as one
 * multi-row INSERT over `unnest` of arrays. Every value is a bind parameter.
 */

import { Pool, type PoolConfig, TypeOverrides, types } from 'pg';
import { parentsFirst } from '../parents-first.ts';
import { decodeJson, decodeParts, encodeJson, encodeParts } from '../parts.ts';
import { SEARCH_MATCHES, searchWords } from '../search-words.ts';
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
import { PostgresAccessStore } from './postgres-access-store.ts';
import { PostgresImportWriter, writeImportSlice } from './postgres-import.ts';
import { migrate, SEARCH_PREFIX_CHARS } from './migrations.ts';

export interface PostgresStoreOptions {
  /** A libpq-style URL, e.g. `postgres://user:password@host:5432/database`. */
  readonly connectionString: string;
  /**
   * A schema to keep Parley's tables in, created when missing (lower-case letters, digits and `_`).
   * It becomes the search_path of every pooled connection. Without it, the connection's own
   * search_path applies (e.g. `?options=-c%20search_path%3Dparley` in the URL, or `public`).
   */
  readonly schema?: string;
  /** The pool's size; 10 by default. */
  readonly maxConnections?: number;
  /** Told the migration versions this open applied (all of them on an empty schema). */
  readonly onMigrated?: (applied: readonly number[]) => void;
}

type ConversationRow = {
  id: string;
  owner: string;
  title: string | null;
  model: string | null;
  current_node: string | null;
  system_prompt: string | null;
  temperature: number | null;
  max_output_tokens: number | null;
  metadata: string | null;
  created_at: number;
  updated_at: number;
};

type MessageRow = {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  role: MessageRole;
  content: string;
  model: string | null;
  provider: string | null;
  status: MessageStatus;
  finish_reason: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  error: string | null;
  request_options: string | null;
  context: string | null;
  upstream_conversation_id: string | null;
  upstream_message_id: string | null;
  deleted_at: number | null;
  created_at: number;
  updated_at: number;
  parts: string | null;
};

type SearchRow = {
  kind: 'title' | 'message';
  conversation_id: string;
  title: string | null;
  message_id: string | null;
  role: MessageRole | null;
  snippet: string;
  rank: number;
  created_at: number;
};

type UsageSummaryDatabaseRow = {
  owner: string;
  key_id: string | null;
  model: string;
  day: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cost: number | null;
};

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const CONVERSATION_COLUMNS = `c.id, c.owner, c.title, c.model, c.current_node, c.system_prompt, c.temperature,
  c.max_output_tokens, c.metadata, c.created_at, c.updated_at`;
const MESSAGE_COLUMNS = `m.id, m.conversation_id, m.parent_id, m.role, m.content, m.model, m.provider, m.status,
  m.finish_reason, m.input_tokens, m.output_tokens, m.error, m.request_options, m.context, m.deleted_at,
  m.upstream_conversation_id, m.upstream_message_id, m.created_at, m.updated_at, m.parts`;
/** `$owner` is the number of the owner parameter. */
const owned = (owner: number) => `c.owner = $${owner} AND c.deleted_at IS NULL`;
/** The indexed search expressions: they must read exactly as in the migration's indexes. */
const MESSAGE_VECTOR = `to_tsvector('simple'::regconfig, left(m.content, ${SEARCH_PREFIX_CHARS}))`;
const TITLE_VECTOR = `to_tsvector('simple'::regconfig, c.title)`;
/** Written out where used (not in a CTE), so that the planner can hand it to the GIN indexes. */
const TS_QUERY = `to_tsquery('simple'::regconfig, $3)`;

/** The statements, exported so that tests can EXPLAIN them. */
export const postgresQueries = {
  /*
   * $1 conversation, $2 owner, $3 is new, $4 title, $5 model, $6 metadata, $7 system prompt,
   * $8 now, $9 append to current node, $10..$20 the messages' columns as arrays, $21..$22 the
   * attachments', $23 the messages' summary_of, $24 temperature, $25 max output tokens.
   * Rows a CTE inserts are invisible to the others (one snapshot), so a new conversation gets its
   * current_node in its INSERT, and an existing one in `moved`. `existing` locks the row so
   * concurrent appends read each other's current_node. Foreign keys are checked at the end of
   * the statement, so a message may hang under another of the same turn.
   */
  beginTurn: `
    WITH created AS (
      INSERT INTO conversations (id, owner, title, model, current_node, metadata, system_prompt,
        temperature, max_output_tokens, created_at, updated_at)
      SELECT $1, $2, $4, $5, ($10::text[])[cardinality($10::text[])], $6, $7, $24::double precision,
        $25::integer, $8, $8 WHERE $3::boolean
      RETURNING id, NULL::text AS current_node
    ), existing AS (
      SELECT c.id, c.current_node FROM conversations c
      WHERE c.id = $1 AND ${owned(2)} AND NOT $3::boolean
      FOR UPDATE
    ), target AS (
      SELECT id, current_node FROM created UNION ALL SELECT id, current_node FROM existing
    ), inserted AS (
      INSERT INTO messages (id, conversation_id, parent_id, role, content, model, provider, status,
        request_options, context, generator, created_at, updated_at, parts, summary_of)
      SELECT m.id, target.id,
        CASE WHEN m.position = 1 AND $9::boolean THEN target.current_node ELSE m.parent_id END,
        m.role, m.content, m.model, m.provider, m.status, m.request_options, m.context, m.generator, $8, $8,
        m.parts, m.summary_of
      FROM target, unnest($10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
        $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $23::text[]) WITH ORDINALITY
        AS m (id, parent_id, role, content, model, provider, status, request_options, context, generator, parts,
          summary_of, position)
      ORDER BY m.position
      RETURNING 1
    ), stored_attachments AS (
      INSERT INTO attachments (sha256, size, data, created_at)
      SELECT a.sha256, length(a.data), a.data, $8 FROM unnest($21::text[], $22::bytea[]) AS a (sha256, data)
      WHERE EXISTS (SELECT 1 FROM target)
      ON CONFLICT DO NOTHING
      RETURNING 1
    ), attachment_owned AS (
      INSERT INTO attachment_owners (owner, sha256)
      SELECT $2, a.sha256 FROM unnest($21::text[]) AS a (sha256) WHERE EXISTS (SELECT 1 FROM target)
      ON CONFLICT DO NOTHING
      RETURNING 1
    ), moved AS (
      UPDATE conversations SET current_node = ($10::text[])[cardinality($10::text[])], updated_at = $8
      WHERE id IN (SELECT id FROM existing) AND cardinality($10::text[]) > 0
      RETURNING 1
    )
    SELECT count(*)::integer AS written FROM target`,
  // An answer in progress keeps the parts it has (a continued answer's earlier reasoning and tool
  // calls): they are written once, when it completes.
  updateMessage: `UPDATE messages SET content = $1, status = $2,
    parts = CASE WHEN $2 = 'in_progress' THEN parts ELSE $3 END, finish_reason = $4,
    input_tokens = $5, output_tokens = $6, error = $7, updated_at = $8 WHERE id = $9`,
  getAttachments: `SELECT a.sha256, a.data FROM attachments a
    JOIN attachment_owners o ON o.sha256 = a.sha256 AND o.owner = $1
    WHERE a.sha256 = ANY($2::text[])`,
  reopenAnswer: `WITH reopened AS (
      UPDATE messages SET status = 'in_progress', error = NULL, generator = $4, updated_at = $5
      WHERE id = $3 AND conversation_id = $2 AND role = 'assistant' AND status <> 'in_progress'
        AND deleted_at IS NULL
        AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = $2 AND c.owner = $1 AND c.deleted_at IS NULL)
      RETURNING conversation_id)
    UPDATE conversations SET current_node = $3, updated_at = $5
    WHERE id IN (SELECT conversation_id FROM reopened)`,
  // One statement for the turn's few messages: one array per column.
  setUpstreamRefs: `UPDATE messages SET upstream_conversation_id = r.conversation_id,
      upstream_message_id = r.message_id
    FROM unnest($1::text[], $2::text[], $3::text[]) AS r (id, conversation_id, message_id)
    WHERE messages.id = r.id`,
  markInterrupted: `UPDATE messages SET status = 'incomplete', error = $1, updated_at = $2
    WHERE status = 'in_progress'`,
  reapOrphans: `UPDATE messages SET status = 'incomplete', error = $1, updated_at = $2
    WHERE status = 'in_progress' AND (generator IS NULL OR NOT (generator = ANY($3::text[])))
    RETURNING id, content`,
  getConversation: `SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = $1 AND ${owned(2)}`,
  getConversationAnyOwner: `SELECT ${CONVERSATION_COLUMNS} FROM conversations c
    WHERE c.id = $1 AND c.deleted_at IS NULL`,
  // The count comes along even when the page is empty: one row of NULLs and the total.
  listConversations: `
    WITH page AS (
      SELECT ${CONVERSATION_COLUMNS}, c.seq FROM conversations c WHERE ${owned(1)}
      ORDER BY c.updated_at DESC, c.seq DESC LIMIT $2 OFFSET $3
    )
    SELECT page.*, counted.total FROM
      (SELECT count(*) AS total FROM conversations c WHERE ${owned(1)}) AS counted
      LEFT JOIN page ON true
    ORDER BY page.updated_at DESC, page.seq DESC`,
  setTitle: `UPDATE conversations c SET title = $1, updated_at = $2 WHERE c.id = $3 AND ${owned(4)}`,
  softDelete: `UPDATE conversations c SET deleted_at = $1 WHERE c.id = $2 AND ${owned(3)}`,
  softDeleteAll: `UPDATE conversations c SET deleted_at = $1 WHERE ${owned(2)}`,
  // Keyset pagination on (created_at, id); an unknown cursor compares as NULL, giving no rows.
  listAfterAsc: `SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE ${owned(1)}
    AND ($2::text IS NULL OR (c.created_at, c.id) >
      (SELECT created_at, id FROM conversations WHERE id = $2 AND owner = $1))
    ORDER BY c.created_at, c.id LIMIT $3`,
  listAfterDesc: `SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE ${owned(1)}
    AND ($2::text IS NULL OR (c.created_at, c.id) <
      (SELECT created_at, id FROM conversations WHERE id = $2 AND owner = $1))
    ORDER BY c.created_at DESC, c.id DESC LIMIT $3`,
  listUpdatedAfterAsc: `SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE ${owned(1)}
    AND ($2::text IS NULL OR (c.updated_at, c.id) >
      (SELECT updated_at, id FROM conversations WHERE id = $2 AND owner = $1))
    ORDER BY c.updated_at, c.id LIMIT $3`,
  listUpdatedAfterDesc: `SELECT ${CONVERSATION_COLUMNS} FROM conversations c WHERE ${owned(1)}
    AND ($2::text IS NULL OR (c.updated_at, c.id) <
      (SELECT updated_at, id FROM conversations WHERE id = $2 AND owner = $1))
    ORDER BY c.updated_at DESC, c.id DESC LIMIT $3`,
  // Each field is set only when the patch has it (a flag per field).
  updateConversation: `UPDATE conversations c SET
      title = CASE WHEN $1::boolean THEN $2 ELSE title END,
      system_prompt = CASE WHEN $3::boolean THEN $4 ELSE system_prompt END,
      model = CASE WHEN $5::boolean THEN $6 ELSE model END,
      temperature = CASE WHEN $7::boolean THEN $8::double precision ELSE temperature END,
      max_output_tokens = CASE WHEN $9::boolean THEN $10::integer ELSE max_output_tokens END,
      current_node = CASE WHEN $11::boolean THEN $12 ELSE current_node END,
      updated_at = $13
    WHERE c.id = $14 AND ${owned(15)}`,
  setMetadata: `UPDATE conversations c SET metadata = $1, updated_at = $2 WHERE c.id = $3 AND ${owned(4)}`,
  addDetachedMessage: `INSERT INTO messages (id, conversation_id, parent_id, role, content, model, provider, status,
      request_options, context, created_at, updated_at, summary_of)
    SELECT $1, c.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $13 FROM conversations c
    WHERE c.id = $2 AND ${owned(12)}`,
  listSummaries: `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.conversation_id = $1 AND ${owned(2)} AND m.deleted_at IS NULL
      AND m.summary_of IS NOT NULL ORDER BY m.created_at, m.seq`,
  getMessage: `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.id = $1 AND m.deleted_at IS NULL AND ${owned(2)}`,
  deleteMessage: `UPDATE messages m SET deleted_at = $1 FROM conversations c
    WHERE m.id = $2 AND m.conversation_id = $3 AND m.deleted_at IS NULL
      AND c.id = m.conversation_id AND ${owned(4)}`,
  listMessages: `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.conversation_id = $1 AND ${owned(2)} ORDER BY m.created_at, m.seq`,
  // Whole rows ride along the recursion, so the walk is one primary-key lookup per hop.
  getPath: `
    WITH RECURSIVE path AS (
      SELECT ${MESSAGE_COLUMNS}, 0 AS depth FROM messages m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.id = $1 AND m.conversation_id = $2 AND ${owned(3)}
      UNION ALL
      SELECT ${MESSAGE_COLUMNS}, path.depth + 1 FROM path JOIN messages m ON m.id = path.parent_id
      WHERE m.conversation_id = path.conversation_id AND ($4::integer IS NULL OR path.depth + 1 < $4)
    )
    SELECT * FROM path ORDER BY depth DESC`,
  countPath: `
    WITH RECURSIVE path AS (
      SELECT m.id, m.parent_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.id = $1 AND m.conversation_id = $2 AND ${owned(3)}
      UNION ALL
      SELECT m.id, m.parent_id FROM path JOIN messages m ON m.id = path.parent_id AND m.conversation_id = $2
    )
    SELECT count(*)::integer AS count FROM path`,
  getRoots: `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.conversation_id = $1 AND m.parent_id IS NULL AND ${owned(2)} ORDER BY m.created_at, m.seq`,
  getChildren: `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.conversation_id = $1 AND m.parent_id = $2 AND ${owned(3)} ORDER BY m.created_at, m.seq`,
  /*
   * $1 the words as tsquery texts, $2 the owner, $3 any of the words, $4 the limit. Each word reads
   * the owner's newest SEARCH_MATCHES matching messages and titles (LATERAL, through the GIN
   * indexes); a conversation matches when each word found its title or one of its messages, and
   * its hits are those; they are ranked, limited, and only then highlighted (ts_headline parses
   * the text again).
   */
  search: `
    WITH found AS (
      SELECT word.position, hit.kind, hit.id, hit.conversation_id
      FROM unnest($1::text[]) WITH ORDINALITY AS word(query, position)
      CROSS JOIN LATERAL (
        (SELECT 'title' AS kind, c.id, c.id AS conversation_id FROM conversations c
          WHERE c.title IS NOT NULL AND ${TITLE_VECTOR} @@ to_tsquery('simple'::regconfig, word.query)
            AND ${owned(2)}
          ORDER BY c.seq DESC LIMIT ${SEARCH_MATCHES})
        UNION ALL
        (SELECT 'message', m.id, m.conversation_id FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE m.status <> 'in_progress' AND m.deleted_at IS NULL
            AND ${MESSAGE_VECTOR} @@ to_tsquery('simple'::regconfig, word.query) AND ${owned(2)}
          ORDER BY m.seq DESC LIMIT ${SEARCH_MATCHES})
      ) hit
    ), matched AS (
      SELECT kind, id FROM found WHERE conversation_id IN (
        SELECT conversation_id FROM found GROUP BY conversation_id
        HAVING count(DISTINCT position) = cardinality($1::text[]))
    ), pieces AS (
      SELECT 'title' AS kind, c.id AS conversation_id, c.title, NULL::text AS message_id,
        NULL::text AS role, c.title AS text, ts_rank(${TITLE_VECTOR}, ${TS_QUERY}) AS score, c.created_at,
        c.updated_at, c.seq
      FROM conversations c
      WHERE c.id IN (SELECT id FROM matched WHERE kind = 'title')
      UNION ALL
      SELECT 'message', m.conversation_id, c.title, m.id, m.role, left(m.content, ${SEARCH_PREFIX_CHARS}),
        ts_rank(${MESSAGE_VECTOR}, ${TS_QUERY}), m.created_at, c.updated_at, m.seq
      FROM messages m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.id IN (SELECT id FROM matched WHERE kind = 'message')
    ), ranked AS (
      SELECT *, bool_or(kind = 'title') OVER (PARTITION BY conversation_id) AS title_hit FROM pieces
      ORDER BY title_hit DESC, updated_at DESC, conversation_id, kind = 'title' DESC, score DESC, seq DESC
      LIMIT $4
    )
    SELECT kind, conversation_id, title, message_id, role, -score AS rank, created_at,
      ts_headline('simple'::regconfig, text, ${TS_QUERY},
        'StartSel=<mark>, StopSel=</mark>, MaxWords=16, MinWords=6, MaxFragments=1') AS snippet
    FROM ranked
    ORDER BY title_hit DESC, updated_at DESC, conversation_id, kind = 'title' DESC, score DESC, seq DESC`,
  // Many rows in one statement: one array per column.
  insertUsage: `INSERT INTO usage (owner, key_id, conversation_id, message_id, model, provider, input_tokens,
      output_tokens, tokens_counted, cost, latency_ms, first_token_ms, status, created_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[],
      $8::integer[], $9::boolean[], $10::double precision[], $11::integer[], $12::integer[], $13::text[], $14::bigint[])`,
  summarizeUsage: `SELECT owner, key_id, model,
      to_char(to_timestamp(created_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
      count(*) AS requests, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
      sum(cost) AS cost
    FROM usage
    WHERE ($1::text IS NULL OR owner = $1) AND ($2::bigint IS NULL OR created_at >= $2)
      AND ($3::bigint IS NULL OR created_at < $3)
    GROUP BY owner, key_id, model, day ORDER BY day, owner, key_id NULLS FIRST, model`,
  // DO UPDATE (to the same value) rather than DO NOTHING: it returns the row even when another
  // replica inserted it a moment ago, which a separate SELECT in this snapshot would miss.
  ensureSetting: `INSERT INTO settings (name, value) VALUES ($1, $2)
    ON CONFLICT (name) DO UPDATE SET value = settings.value RETURNING value`,
} as const;

/**
 * Opens a pool on PostgreSQL, applies pending migrations, and returns a Store over it.
 *
 * @example
 * const store = await openPostgresStore({ connectionString: 'postgres://parley@db/parley' });
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema))
    throw new Error('PostgreSQL schema: use lower-case letters, digits and _ (at most 63)');
  // bigint (Unix milliseconds, counts, sums of integers) as numbers, for this pool only.
  const typeOverrides = new TypeOverrides();
  typeOverrides.setTypeParser(types.builtins.INT8, (value: string) => Number(value));
  const config: PoolConfig = {
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 10_000,
    application_name: 'parley',
    types: typeOverrides,
    // A connection string's own `options` parameter, if any, takes precedence over this one.
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  };
  const pool = new Pool(config);
  // An idle connection that breaks (a server restart) is reported here; without a listener it would
  // crash the process. The pool drops it, and the next query opens a new one.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    try {
      const applied = await migrate(client, options.schema);
      options.onMigrated?.(applied);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresStore(pool);
}

class PostgresStore implements Store {
  readonly #pool: Pool;
  #closed = false;

  readonly access: PostgresAccessStore;

  constructor(pool: Pool) {
    this.#pool = pool;
    this.access = new PostgresAccessStore(pool);
  }

  async #rows<R extends Record<string, unknown>>(sql: string, values: readonly unknown[] = []): Promise<R[]> {
    return (await this.#pool.query<R>(sql, [...values])).rows;
  }

  async #changes(sql: string, values: readonly unknown[]): Promise<number> {
    return (await this.#pool.query(sql, [...values])).rowCount ?? 0;
  }

  async beginTurn(input: BeginTurnInput): Promise<boolean> {
    const conversation = input.newConversation;
    const messages = input.messages;
    const [row] = await this.#rows<{ written: number }>(postgresQueries.beginTurn, [
      input.conversationId,
      input.owner,
      conversation !== undefined,
      conversation?.title ?? null,
      conversation?.model ?? null,
      conversation?.metadata === undefined ? null : JSON.stringify(conversation.metadata),
      conversation?.systemPrompt ?? null,
      input.now,
      input.appendToCurrentNode === true,
      messages.map((message) => message.id),
      messages.map((message) => message.parentId),
      messages.map((message) => message.role),
      messages.map((message) => message.content),
      messages.map((message) => message.model ?? null),
      messages.map((message) => message.provider ?? null),
      messages.map((message) => message.status),
      messages.map((message) => encodeJson(message.requestOptions)),
      messages.map((message) => encodeJson(message.context)),
      messages.map((message) => message.generator ?? null),
      messages.map((message) => encodeParts(message.parts, message.content)),
      (input.attachments ?? []).map((attachment) => attachment.sha256),
      (input.attachments ?? []).map((attachment) =>
        Buffer.from(attachment.data.buffer, attachment.data.byteOffset, attachment.data.byteLength),
      ),
      messages.map(summaryOf),
      conversation?.temperature ?? null,
      conversation?.maxOutputTokens ?? null,
    ]);
    return (row?.written ?? 0) > 0;
  }

  async updateMessage(messageId: string, update: MessageUpdate): Promise<void> {
    await this.#pool.query(postgresQueries.updateMessage, [
      update.content,
      update.status,
      encodeParts(update.parts, update.content),
      update.finishReason ?? null,
      update.inputTokens ?? null,
      update.outputTokens ?? null,
      update.error ?? null,
      update.now,
      messageId,
    ]);
  }

  async reopenAnswer(
    owner: string,
    conversationId: string,
    answerId: string,
    generator: string,
    now: number,
  ): Promise<boolean> {
    // One statement: the row lock makes a concurrent reopen wait, then find it in progress.
    const changes = await this.#changes(postgresQueries.reopenAnswer, [
      owner,
      conversationId,
      answerId,
      generator,
      now,
    ]);
    return changes > 0;
  }

  async getAttachments(owner: string, sha256s: readonly string[]): Promise<ReadonlyMap<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    if (sha256s.length === 0) return found;
    const rows = await this.#rows<{ sha256: string; data: Buffer }>(postgresQueries.getAttachments, [
      owner,
      sha256s,
    ]);
    for (const row of rows) found.set(row.sha256, row.data);
    return found;
  }

  async setUpstreamRefs(refs: readonly UpstreamRefUpdate[]): Promise<void> {
    await this.#pool.query(postgresQueries.setUpstreamRefs, [
      refs.map((ref) => ref.messageId),
      refs.map((ref) => ref.upstreamConversationId),
      refs.map((ref) => ref.upstreamMessageId),
    ]);
  }

  async reapOrphans(
    liveGenerators: readonly string[],
    error: string,
    now: number,
  ): Promise<readonly { readonly id: string; readonly content: string }[]> {
    return this.#rows<{ id: string; content: string }>(postgresQueries.reapOrphans, [
      error,
      now,
      [...liveGenerators],
    ]);
  }

  async markInterruptedMessages(error: string, now: number): Promise<number> {
    return this.#changes(postgresQueries.markInterrupted, [error, now]);
  }

  async getConversation(owner: string, conversationId: string): Promise<ConversationRecord | undefined> {
    const [row] = await this.#rows<ConversationRow>(postgresQueries.getConversation, [conversationId, owner]);
    return row === undefined ? undefined : toConversation(row);
  }

  async findConversationForAdmin(conversationId: string): Promise<ConversationRecord | undefined> {
    const [row] = await this.#rows<ConversationRow>(postgresQueries.getConversationAnyOwner, [
      conversationId,
    ]);
    return row === undefined ? undefined : toConversation(row);
  }

  async listConversations(owner: string, offset: number, limit: number): Promise<Page<ConversationRecord>> {
    type Counted = { total: number } & (ConversationRow | { id: null });
    const rows = await this.#rows<Counted>(postgresQueries.listConversations, [owner, limit, offset]);
    const items = rows.filter((row): row is ConversationRow & { total: number } => row.id !== null);
    return { items: items.map(toConversation), total: rows[0]?.total ?? 0 };
  }

  async setTitle(owner: string, conversationId: string, title: string, now: number): Promise<boolean> {
    return (await this.#changes(postgresQueries.setTitle, [title, now, conversationId, owner])) > 0;
  }

  async deleteConversation(owner: string, conversationId: string, now: number): Promise<boolean> {
    return (await this.#changes(postgresQueries.softDelete, [now, conversationId, owner])) > 0;
  }

  async deleteAllConversations(owner: string, now: number): Promise<number> {
    return this.#changes(postgresQueries.softDeleteAll, [now, owner]);
  }

  async listConversationsAfter(owner: string, query: CursorQuery): Promise<CursorPage<ConversationRecord>> {
    const queries = postgresQueries;
    const sql =
      query.by === 'updated'
        ? query.order === 'asc'
          ? queries.listUpdatedAfterAsc
          : queries.listUpdatedAfterDesc
        : query.order === 'asc'
          ? queries.listAfterAsc
          : queries.listAfterDesc;
    const rows = await this.#rows<ConversationRow>(sql, [owner, query.after ?? null, query.limit + 1]);
    return { items: rows.slice(0, query.limit).map(toConversation), hasMore: rows.length > query.limit };
  }

  async updateConversation(
    owner: string,
    conversationId: string,
    patch: ConversationPatch,
    now: number,
  ): Promise<boolean> {
    const changes = await this.#changes(postgresQueries.updateConversation, [
      patch.title !== undefined,
      patch.title ?? null,
      patch.systemPrompt !== undefined,
      patch.systemPrompt ?? null,
      patch.model !== undefined,
      patch.model ?? null,
      patch.temperature !== undefined,
      patch.temperature ?? null,
      patch.maxOutputTokens !== undefined,
      patch.maxOutputTokens ?? null,
      patch.currentNode !== undefined,
      patch.currentNode ?? null,
      now,
      conversationId,
      owner,
    ]);
    return changes > 0;
  }

  async setMetadata(
    owner: string,
    conversationId: string,
    metadata: Metadata,
    now: number,
  ): Promise<boolean> {
    const values = [JSON.stringify(metadata), now, conversationId, owner];
    return (await this.#changes(postgresQueries.setMetadata, values)) > 0;
  }

  async addDetachedMessage(
    owner: string,
    conversationId: string,
    message: NewMessage,
    now: number,
  ): Promise<boolean> {
    const written = await this.#changes(postgresQueries.addDetachedMessage, [
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
      now,
      owner,
      summaryOf(message),
    ]);
    return written > 0;
  }

  async listSummaries(owner: string, conversationId: string): Promise<readonly MessageRecord[]> {
    return (await this.#rows<MessageRow>(postgresQueries.listSummaries, [conversationId, owner])).map(
      toMessage,
    );
  }

  async getMessage(owner: string, messageId: string): Promise<MessageRecord | undefined> {
    const [row] = await this.#rows<MessageRow>(postgresQueries.getMessage, [messageId, owner]);
    return row === undefined ? undefined : toMessage(row);
  }

  async deleteMessage(
    owner: string,
    conversationId: string,
    messageId: string,
    now: number,
  ): Promise<boolean> {
    return (await this.#changes(postgresQueries.deleteMessage, [now, messageId, conversationId, owner])) > 0;
  }

  async listMessages(owner: string, conversationId: string): Promise<readonly MessageRecord[]> {
    return (await this.#rows<MessageRow>(postgresQueries.listMessages, [conversationId, owner])).map(
      toMessage,
    );
  }

  async getPath(
    owner: string,
    conversationId: string,
    messageId: string,
    newest?: number,
  ): Promise<readonly MessageRecord[]> {
    const rows = await this.#rows<MessageRow>(postgresQueries.getPath, [
      messageId,
      conversationId,
      owner,
      newest ?? null,
    ]);
    return rows.map(toMessage);
  }

  async countPath(owner: string, conversationId: string, messageId: string): Promise<number> {
    const [row] = await this.#rows<{ count: number }>(postgresQueries.countPath, [
      messageId,
      conversationId,
      owner,
    ]);
    return row?.count ?? 0;
  }

  async getChildren(
    owner: string,
    conversationId: string,
    parentId: string | null,
  ): Promise<readonly MessageRecord[]> {
    // Two statements rather than `IS NOT DISTINCT FROM`, which no index answers.
    const rows =
      parentId === null
        ? await this.#rows<MessageRow>(postgresQueries.getRoots, [conversationId, owner])
        : await this.#rows<MessageRow>(postgresQueries.getChildren, [conversationId, parentId, owner]);
    return rows.map(toMessage);
  }

  async search(owner: string, text: string, limit: number): Promise<readonly SearchHit[]> {
    const words = toTsQueryWords(text);
    if (words.length === 0) return [];
    const rows = await this.#rows<SearchRow>(postgresQueries.search, [
      words,
      owner,
      words.join(' | '),
      limit,
    ]);
    return rows.map((row) => ({
      kind: row.kind,
      conversationId: row.conversation_id,
      conversationTitle: row.title,
      messageId: row.message_id,
      role: row.role,
      snippet: row.snippet,
      rank: row.rank,
      createdAt: row.created_at,
    }));
  }

  async importConversations(
    items: readonly ImportedConversation[],
  ): Promise<{ readonly conflicts: readonly string[] }> {
    const slice = {
      conversations: items.map((item) => item.conversation),
      messages: items.flatMap(({ conversation, messages }) =>
        parentsFirst(messages).map((message) => ({ ...message, conversationId: conversation.id })),
      ),
    };
    return writeImportSlice(this.#pool, slice);
  }

  async beginImport(owner: string): Promise<ImportWriter> {
    return PostgresImportWriter.begin(this.#pool, owner);
  }

  async recordUsage(rows: readonly UsageRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const column = <T>(pick: (row: UsageRecord) => T): T[] => rows.map(pick);
    await this.#pool.query(postgresQueries.insertUsage, [
      column((row) => row.owner),
      column((row) => row.keyId),
      column((row) => row.conversationId),
      column((row) => row.messageId),
      column((row) => row.model),
      column((row) => row.provider),
      column((row) => row.inputTokens),
      column((row) => row.outputTokens),
      column((row) => row.tokensCounted),
      column((row) => row.cost),
      column((row) => row.latencyMs),
      column((row) => row.firstTokenMs),
      column((row) => row.status),
      column((row) => row.createdAt),
    ]);
  }

  async summarizeUsage(query: UsageQuery): Promise<readonly UsageSummaryRow[]> {
    const rows = await this.#rows<UsageSummaryDatabaseRow>(postgresQueries.summarizeUsage, [
      query.owner ?? null,
      query.from ?? null,
      query.to ?? null,
    ]);
    return rows.map((row) => ({
      owner: row.owner,
      keyId: row.key_id,
      model: row.model,
      day: row.day,
      requests: row.requests,
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      cost: row.cost,
    }));
  }

  async ensureSetting(name: string, value: string): Promise<string> {
    const [row] = await this.#rows<{ value: string }>(postgresQueries.ensureSetting, [name, value]);
    if (row === undefined) throw new Error(`setting ${name} was not stored`);
    return row.value;
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    // Pool.end() may run only once.
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}

/**
 * A person's words as tsquery texts: each word quoted as one lexeme (so nothing is read as
 * syntax), the last one a prefix.
 */
export function toTsQueryWords(text: string): string[] {
  const words = searchWords(text);
  return words.map((word, index) => {
    const quoted = `'${word.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
    return index === words.length - 1 ? `${quoted}:*` : quoted;
  });
}

function toConversation(row: ConversationRow): ConversationRecord {
  return {
    id: row.id,
    owner: row.owner,
    title: row.title,
    model: row.model,
    currentNode: row.current_node,
    systemPrompt: row.system_prompt,
    temperature: row.temperature,
    maxOutputTokens: row.max_output_tokens,
    metadata: row.metadata === null ? {} : (JSON.parse(row.metadata) as Metadata),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toMessage(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    parentId: row.parent_id,
    role: row.role,
    content: row.content,
    model: row.model,
    provider: row.provider,
    status: row.status,
    finishReason: row.finish_reason,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    error: row.error,
    requestOptions: decodeJson<RequestOptions>(row.request_options),
    context: decodeJson<MessageContext>(row.context),
    upstreamConversationId: row.upstream_conversation_id,
    upstreamMessageId: row.upstream_message_id,
    deletedAt: row.deleted_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    parts: decodeParts(row.parts, row.content),
  };
}
