/**
 * The PostgreSQL schema, as an ordered list of migrations, and the code that applies them at open.
 * Version N is `postgresMigrations[N - 1]`; each applied version is a row of `parley_migrations`.
 * Append new migrations; never edit one that has shipped.
 */

import type { PoolClient } from 'pg';

/**
 * Search covers this many leading characters of a message: a tsvector must stay under 1 MB, and an
 * index expression that fails would refuse the message itself.
 */
export const SEARCH_PREFIX_CHARS = 100_000;

export const postgresMigrations: readonly string[] = [
  `
  -- Ids are text (not uuid) so that any id a client sends reads as "not found", never as an error.
  -- Times are Unix milliseconds. \`seq\` keeps insertion order among rows written at the same time.
  CREATE TABLE conversations (
    id            text PRIMARY KEY,
    seq           bigint GENERATED ALWAYS AS IDENTITY,
    owner         text NOT NULL,
    title         text,
    model         text,
    current_node  text,
    system_prompt text,
    -- OpenAI-style metadata as JSON text, kept as written (jsonb would reorder the keys).
    metadata      text,
    created_at    bigint NOT NULL,
    updated_at    bigint NOT NULL,
    deleted_at    bigint
  );
  -- Listing a principal's conversations newest first, and by creation with a cursor.
  CREATE INDEX conversations_by_owner ON conversations (owner, updated_at DESC, seq DESC)
    WHERE deleted_at IS NULL;
  CREATE INDEX conversations_by_owner_created ON conversations (owner, created_at, id)
    WHERE deleted_at IS NULL;

  CREATE TABLE messages (
    id              text PRIMARY KEY,
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    parent_id       text REFERENCES messages (id),
    role            text NOT NULL CHECK (role IN ('system', 'developer', 'user', 'assistant', 'tool')),
    content         text NOT NULL,
    model           text,
    provider        text,
    status          text NOT NULL CHECK (status IN ('in_progress', 'completed', 'incomplete', 'failed')),
    finish_reason   text,
    input_tokens    integer,
    output_tokens   integer,
    error           text,
    request_options text,
    -- On an answer: what was sent to the model (JSON), so a reader can tell what it saw.
    context         text,
    deleted_at      bigint,
    created_at      bigint NOT NULL,
    updated_at      bigint NOT NULL
  );
  -- "Children of a node" (and a conversation's messages) is one index range; "path to the root"
  -- walks the primary key.
  CREATE INDEX messages_by_parent ON messages (conversation_id, parent_id, created_at, seq);
  -- Finding generations that a crash interrupted, without scanning every message.
  CREATE INDEX messages_in_progress ON messages (id) WHERE status = 'in_progress';
  -- Full-text search over finished, live messages and titles. The 'simple' configuration folds case
  -- without stemming, for any language (like the SQLite store's unicode61 tokenizer).
  CREATE INDEX messages_search ON messages
    USING gin (to_tsvector('simple'::regconfig, left(content, ${SEARCH_PREFIX_CHARS})))
    WHERE status <> 'in_progress' AND deleted_at IS NULL;
  CREATE INDEX conversations_search ON conversations
    USING gin (to_tsvector('simple'::regconfig, title)) WHERE title IS NOT NULL;

  -- API keys: only a hash of the secret is kept; \`hint\` is the secret's start.
  CREATE TABLE api_keys (
    id         text PRIMARY KEY,
    seq        bigint GENERATED ALWAYS AS IDENTITY,
    name       text NOT NULL,
    hash       text NOT NULL UNIQUE,
    hint       text NOT NULL,
    role       text NOT NULL CHECK (role IN ('admin', 'user')),
    models     text,
    limits     text,
    expires_at bigint,
    created_at bigint NOT NULL,
    revoked_at bigint
  );

  -- One row per generation, for accounting; aggregated by owner, model and day.
  CREATE TABLE usage (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner           text NOT NULL,
    key_id          text,
    conversation_id text,
    message_id      text,
    model           text NOT NULL,
    provider        text NOT NULL,
    input_tokens    integer NOT NULL,
    output_tokens   integer NOT NULL,
    tokens_counted  boolean NOT NULL,
    cost            double precision,
    latency_ms      integer NOT NULL,
    first_token_ms  integer,
    status          text NOT NULL,
    created_at      bigint NOT NULL
  );
  CREATE INDEX usage_by_time ON usage (created_at);

  -- Server-wide values made once, e.g. the secret that keys are hashed with.
  CREATE TABLE settings (
    name  text PRIMARY KEY,
    value text NOT NULL
  );
  `,
  `
  -- The server process writing an answer, so another one can tell when it died (the reaper).
  ALTER TABLE messages ADD COLUMN generator text;
  `,
  `
  -- Where a stateful upstream (ChatGPT's web backend) keeps the message: sent back as the parent.
  ALTER TABLE messages ADD COLUMN upstream_conversation_id text;
  ALTER TABLE messages ADD COLUMN upstream_message_id text;
  `,
  `
  -- Messages made of parts: the parts of a message that holds more than text, as JSON written
  -- once when it is complete (null: its text is its one part, so old rows need no rewrite).
  ALTER TABLE messages ADD COLUMN parts text;
  -- Bytes of images and files, content-addressed: stored once however often sent. Who stored a
  -- hash is kept apart, so one owner cannot read another's bytes by guessing their hash.
  CREATE TABLE attachments (
    sha256     text PRIMARY KEY,
    size       integer NOT NULL,
    data       bytea NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE TABLE attachment_owners (
    owner  text NOT NULL,
    sha256 text NOT NULL REFERENCES attachments (sha256),
    PRIMARY KEY (owner, sha256)
  );
  `,
  `
  -- People: a user owns conversations, responses, usage and keys; the user's id is their owner.
  CREATE TABLE users (
    id               text PRIMARY KEY,
    seq              bigint GENERATED ALWAYS AS IDENTITY,
    name             text NOT NULL,
    role             text NOT NULL CHECK (role IN ('admin', 'user')),
    password_hash    text,
    email            text,
    external_issuer  text,
    external_subject text,
    created_at       bigint NOT NULL,
    updated_at       bigint NOT NULL,
    disabled_at      bigint
  );
  CREATE UNIQUE INDEX users_by_name ON users (lower(name));
  CREATE UNIQUE INDEX users_by_external ON users (external_issuer, external_subject)
    WHERE external_issuer IS NOT NULL;

  -- Each existing key becomes its own user, with the key's id and role, so every owner string
  -- "key:<id>" becomes the user id "<id>" and nothing is lost. A name shared by several keys gets
  -- the key id's start appended.
  INSERT INTO users (id, name, role, created_at, updated_at)
    SELECT k.id,
      CASE WHEN (SELECT count(*) FROM api_keys o WHERE lower(o.name) = lower(k.name)) = 1 THEN k.name
        ELSE k.name || '-' || left(k.id, 8) END,
      k.role, k.created_at, k.created_at
    FROM api_keys k ORDER BY k.created_at, k.seq;
  ALTER TABLE api_keys ADD COLUMN user_id text REFERENCES users (id);
  UPDATE api_keys SET user_id = id;
  ALTER TABLE api_keys ALTER COLUMN user_id SET NOT NULL;
  CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at);
  UPDATE conversations SET owner = substr(owner, 5) WHERE left(owner, 4) = 'key:';
  UPDATE usage SET owner = substr(owner, 5) WHERE left(owner, 4) = 'key:';
  UPDATE attachment_owners SET owner = substr(owner, 5) WHERE left(owner, 4) = 'key:';
  -- What the keyless local user made belongs to the first admin.
  UPDATE conversations SET owner = (SELECT id FROM users WHERE role = 'admin' ORDER BY created_at, seq LIMIT 1)
    WHERE owner = 'local' AND EXISTS (SELECT 1 FROM users WHERE role = 'admin');
  UPDATE usage SET owner = (SELECT id FROM users WHERE role = 'admin' ORDER BY created_at, seq LIMIT 1)
    WHERE owner = 'local' AND EXISTS (SELECT 1 FROM users WHERE role = 'admin');
  INSERT INTO attachment_owners (owner, sha256)
    SELECT (SELECT id FROM users WHERE role = 'admin' ORDER BY created_at, seq LIMIT 1), sha256
    FROM attachment_owners WHERE owner = 'local' AND EXISTS (SELECT 1 FROM users WHERE role = 'admin')
    ON CONFLICT DO NOTHING;
  DELETE FROM attachment_owners WHERE owner = 'local' AND EXISTS (SELECT 1 FROM users WHERE role = 'admin');
  CREATE INDEX usage_by_owner ON usage (owner, created_at);

  -- Browser sessions: only a hash of the cookie's secret is kept.
  CREATE TABLE sessions (
    id         text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id),
    hash       text NOT NULL UNIQUE,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    address    text,
    user_agent text
  );
  CREATE INDEX sessions_by_user ON sessions (user_id, created_at);

  -- Failed sign-ins per scope (an account or an address), counted over a window, then forgotten.
  CREATE TABLE login_failures (
    scope      text NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE INDEX login_failures_by_scope ON login_failures (scope, created_at);

  -- Who did what to whom, and when: admin actions only, never secrets.
  CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id    text,
    actor_name  text NOT NULL,
    action      text NOT NULL,
    target_type text,
    target_id   text,
    details     text,
    address     text,
    created_at  bigint NOT NULL
  );
  `,
  `
  -- A context summary names the last message it covers in a column of its own (summaries were
  -- found by a LIKE on the context JSON): the summaries written so far get it here. Every context
  -- is JSON text written by the store, or null.
  ALTER TABLE messages ADD COLUMN summary_of text;
  UPDATE messages SET summary_of = context::jsonb ->> 'summary_of'
    WHERE role = 'system' AND context IS NOT NULL
      AND jsonb_typeof(context::jsonb -> 'summary_of') = 'string';
  CREATE INDEX messages_summaries ON messages (conversation_id) WHERE summary_of IS NOT NULL;
  `,
  `
  -- A conversation's own sampling for its answers (a request's values win); null: the model's default.
  ALTER TABLE conversations ADD COLUMN temperature double precision;
  ALTER TABLE conversations ADD COLUMN max_output_tokens integer;
  `,
];

/**
 * Brings the schema that `client`'s search_path points at up to date, in one transaction. An
 * advisory lock keyed by the search_path serialises replicas that start at once: the second waits,
 * then finds the migrations applied. `schema`, when given, is created first if missing.
 * Returns the versions it applied.
 */
export async function migrate(client: PoolClient, schema: string | undefined): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query(
      `SELECT pg_advisory_xact_lock(hashtext('parley:migrations'), hashtext(current_setting('search_path')))`,
    );
    if (schema !== undefined) {
      // Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when it exists.
      const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (found.rowCount === 0) await client.query(`CREATE SCHEMA ${client.escapeIdentifier(schema)}`);
    }
    const current = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
    if ((current.rows[0]?.schema ?? null) === null)
      throw new Error('PostgreSQL: the search_path names no existing schema; create it first');
    await client.query(
      'CREATE TABLE IF NOT EXISTS parley_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)',
    );
    const done = await client.query<{ version: number }>(
      'SELECT coalesce(max(version), 0)::integer AS version FROM parley_migrations',
    );
    const applied: number[] = [];
    for (let version = (done.rows[0]?.version ?? 0) + 1; version <= postgresMigrations.length; version++) {
      // No parameters: the simple protocol runs a migration's several statements at once.
      await client.query(postgresMigrations[version - 1] ?? '');
      await client.query('INSERT INTO parley_migrations (version, applied_at) VALUES ($1, $2)', [
        version,
        Date.now(),
      ]);
      applied.push(version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    // A broken connection cannot roll back; the error worth reporting is the first one.
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
