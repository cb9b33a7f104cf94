/**
 * The SQLite schema, as an ordered list of migrations. Applied at start inside one transaction
 * each; `PRAGMA user_version` records how many have run. Append new migrations; never edit one
 * that has shipped.
 */

export const sqliteMigrations: readonly string[] = [
  `
  CREATE TABLE conversations (
    id           TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    title        TEXT,
    model        TEXT,
    current_node TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    deleted_at   INTEGER
  ) STRICT;

  -- Listing a principal's conversations, newest first.
  CREATE INDEX conversations_by_owner ON conversations (owner, updated_at DESC) WHERE deleted_at IS NULL;

  CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    parent_id       TEXT REFERENCES messages (id),
    role            TEXT NOT NULL CHECK (role IN ('system', 'developer', 'user', 'assistant', 'tool')),
    content         TEXT NOT NULL,
    model           TEXT,
    provider        TEXT,
    status          TEXT NOT NULL CHECK (status IN ('in_progress', 'completed', 'incomplete', 'failed')),
    finish_reason   TEXT,
    input_tokens    INTEGER,
    output_tokens   INTEGER,
    error           TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
  ) STRICT;

  -- "Children of a node" is one index range; "path to the root" walks the primary key.
  CREATE INDEX messages_by_parent ON messages (conversation_id, parent_id, created_at);
  -- Finding generations that a crash interrupted, without scanning every message.
  CREATE INDEX messages_in_progress ON messages (status) WHERE status = 'in_progress';
  `,
  `
  -- OpenAI-style metadata (up to 16 string pairs) as JSON, written when set, never per turn.
  ALTER TABLE conversations ADD COLUMN metadata TEXT;
  -- Listing by creation with a cursor (the /v1/conversations list).
  CREATE INDEX conversations_by_owner_created ON conversations (owner, created_at, id) WHERE deleted_at IS NULL;
  -- The options of the request that produced an answer (JSON owned by the surface), written once.
  ALTER TABLE messages ADD COLUMN request_options TEXT;
  -- A deleted item stays in the tree (its children still hang from it) but leaves every listing and prompt.
  ALTER TABLE messages ADD COLUMN deleted_at INTEGER;
  `,
  `
  -- API keys: only a hash of the secret is kept; \`hint\` is the secret's start, for people to tell keys apart.
  CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    hint       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'user')),
    models     TEXT,
    limits     TEXT,
    expires_at INTEGER,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  ) STRICT;

  -- One row per generation, for accounting; aggregated by owner, model and day.
  CREATE TABLE usage (
    id              INTEGER PRIMARY KEY,
    owner           TEXT NOT NULL,
    key_id          TEXT,
    conversation_id TEXT,
    message_id      TEXT,
    model           TEXT NOT NULL,
    provider        TEXT NOT NULL,
    input_tokens    INTEGER NOT NULL,
    output_tokens   INTEGER NOT NULL,
    tokens_counted  INTEGER NOT NULL,
    cost            REAL,
    latency_ms      INTEGER NOT NULL,
    first_token_ms  INTEGER,
    status          TEXT NOT NULL,
    created_at      INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX usage_by_time ON usage (created_at);

  -- Server-wide values made once, e.g. the secret that keys are hashed with.
  CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;
  `,
  `
  -- Full-text search over finished message text and titles. Answers are indexed once they end
  -- (not at every streaming flush); deleted messages leave the index; deleted conversations are
  -- filtered at query time.
  CREATE VIRTUAL TABLE messages_fts USING fts5(content, tokenize = 'unicode61 remove_diacritics 2');
  CREATE VIRTUAL TABLE titles_fts USING fts5(title, tokenize = 'unicode61 remove_diacritics 2');

  INSERT INTO messages_fts (rowid, content)
    SELECT rowid, content FROM messages WHERE status <> 'in_progress' AND deleted_at IS NULL;
  INSERT INTO titles_fts (rowid, title) SELECT rowid, title FROM conversations WHERE title IS NOT NULL;

  CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.status <> 'in_progress' BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
  END;
  -- An answer is indexed each time it ends (a continued answer ends twice: replace its entry).
  CREATE TRIGGER messages_fts_finish AFTER UPDATE OF status ON messages
    WHEN old.status = 'in_progress' AND new.status <> 'in_progress' AND new.deleted_at IS NULL BEGIN
    DELETE FROM messages_fts WHERE rowid = new.rowid;
    INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
  END;
  CREATE TRIGGER messages_fts_delete AFTER UPDATE OF deleted_at ON messages
    WHEN old.deleted_at IS NULL AND new.deleted_at IS NOT NULL BEGIN
    DELETE FROM messages_fts WHERE rowid = old.rowid;
  END;
  CREATE TRIGGER titles_fts_insert AFTER INSERT ON conversations WHEN new.title IS NOT NULL BEGIN
    INSERT INTO titles_fts (rowid, title) VALUES (new.rowid, new.title);
  END;
  CREATE TRIGGER titles_fts_update AFTER UPDATE OF title ON conversations BEGIN
    DELETE FROM titles_fts WHERE rowid = old.rowid;
    INSERT INTO titles_fts (rowid, title) SELECT new.rowid, new.title WHERE new.title IS NOT NULL;
  END;
  `,
  `
  -- A conversation's own system prompt, sent first on every turn.
  ALTER TABLE conversations ADD COLUMN system_prompt TEXT;
  `,
  `
  -- What was sent to the model for an answer (JSON: window, messages sent and dropped, tokens).
  ALTER TABLE messages ADD COLUMN context TEXT;
  `,
  `
  -- The server process writing an answer, so another one can tell when it died (the reaper).
  ALTER TABLE messages ADD COLUMN generator TEXT;
  `,
  `
  -- Where a stateful upstream (ChatGPT's web backend) keeps the message: sent back as the parent.
  ALTER TABLE messages ADD COLUMN upstream_conversation_id TEXT;
  ALTER TABLE messages ADD COLUMN upstream_message_id TEXT;
  `,
  `
  -- The parent's rowid: the walk to the root follows integer keys instead of searching the id
  -- index at every step. Checked against parent_id on every read (a VACUUM may renumber rowids).
  ALTER TABLE messages ADD COLUMN parent_row INTEGER;
  UPDATE messages SET parent_row = (SELECT p.rowid FROM messages p WHERE p.id = messages.parent_id)
    WHERE parent_id IS NOT NULL;
  `,
  `
  -- A conversation's messages oldest first straight from an index (ties by rowid, which every
  -- index entry ends with): no sort of whole rows when a history is read.
  CREATE INDEX messages_by_time ON messages (conversation_id, created_at);
  `,
  `
  -- How far from its root a message is (a root is 0): a path's length without walking it.
  ALTER TABLE messages ADD COLUMN depth INTEGER;
  CREATE TEMP TABLE message_depths (id TEXT PRIMARY KEY, depth INTEGER NOT NULL);
  WITH RECURSIVE walk (id, conversation_id, depth) AS (
    SELECT id, conversation_id, 0 FROM messages WHERE parent_id IS NULL
    UNION ALL
    SELECT m.id, m.conversation_id, walk.depth + 1 FROM walk
      JOIN messages m ON m.conversation_id = walk.conversation_id AND m.parent_id = walk.id
  )
  INSERT INTO message_depths (id, depth) SELECT id, depth FROM walk;
  UPDATE messages SET depth = (SELECT d.depth FROM message_depths d WHERE d.id = messages.id);
  DROP TABLE message_depths;
  `,
  `
  -- Search indexing leaves the write path: a finished message is only queued here (one small
  -- insert), and the queue is indexed in batches after writes and before every search.
  DROP TRIGGER messages_fts_insert;
  DROP TRIGGER messages_fts_finish;
  CREATE TABLE messages_fts_queue (message_row INTEGER PRIMARY KEY);
  CREATE TRIGGER messages_fts_queue_insert AFTER INSERT ON messages WHEN new.status <> 'in_progress' BEGIN
    INSERT OR IGNORE INTO messages_fts_queue (message_row) VALUES (new.rowid);
  END;
  -- An answer is queued each time it ends (a continued answer ends twice: its entry is replaced).
  CREATE TRIGGER messages_fts_queue_finish AFTER UPDATE OF status ON messages
    WHEN old.status = 'in_progress' AND new.status <> 'in_progress' AND new.deleted_at IS NULL BEGIN
    INSERT OR IGNORE INTO messages_fts_queue (message_row) VALUES (new.rowid);
  END;
  `,
  `
  -- Messages made of parts: the parts of a message that holds more than text, as JSON written
  -- once when it is complete (null: its text is its one part, so old rows need no rewrite).
  ALTER TABLE messages ADD COLUMN parts TEXT;
  -- Bytes of images and files, content-addressed: stored once however often sent. Who stored a
  -- hash is kept apart, so one owner cannot read another's bytes by guessing their hash.
  CREATE TABLE attachments (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    data       BLOB NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE attachment_owners (
    owner  TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES attachments (sha256),
    PRIMARY KEY (owner, sha256)
  ) STRICT, WITHOUT ROWID;
  `,
  `
  -- People: a user owns conversations, responses, usage and keys; the user's id is their owner.
  CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('admin', 'user')),
    password_hash    TEXT,
    email            TEXT,
    external_issuer  TEXT,
    external_subject TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    disabled_at      INTEGER
  ) STRICT;
  CREATE UNIQUE INDEX users_by_name ON users (lower(name));
  CREATE UNIQUE INDEX users_by_external ON users (external_issuer, external_subject)
    WHERE external_issuer IS NOT NULL;

  -- Each existing key becomes its own user, with the key's id and role, so every owner string
  -- "key:<id>" becomes the user id "<id>" and nothing is lost. A name shared by several keys gets
  -- the key id's start appended.
  INSERT INTO users (id, name, role, created_at, updated_at)
    SELECT k.id,
      CASE WHEN (SELECT COUNT(*) FROM api_keys o WHERE lower(o.name) = lower(k.name)) = 1 THEN k.name
        ELSE k.name || '-' || substr(k.id, 1, 8) END,
      k.role, k.created_at, k.created_at
    FROM api_keys k;
  ALTER TABLE api_keys ADD COLUMN user_id TEXT REFERENCES users (id);
  UPDATE api_keys SET user_id = id;
  CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at);
  UPDATE conversations SET owner = substr(owner, 5) WHERE substr(owner, 1, 4) = 'key:';
  UPDATE usage SET owner = substr(owner, 5) WHERE substr(owner, 1, 4) = 'key:';
  UPDATE attachment_owners SET owner = substr(owner, 5) WHERE substr(owner, 1, 4) = 'key:';
  -- What the keyless local user made belongs to the first admin.
  UPDATE conversations SET owner = (SELECT id FROM users WHERE role = 'admin' ORDER BY created_at, rowid LIMIT 1)
    WHERE owner = 'local' AND EXISTS (SELECT 1 FROM users WHERE role = 'admin');
  UPDATE usage SET owner = (SELECT id FROM users WHERE role = 'admin' ORDER BY created_at, rowid LIMIT 1)
    WHERE owner = 'local' AND EXISTS (SELECT 1 FROM users WHERE role = 'admin');
  INSERT OR IGNORE INTO attachment_owners (owner, sha256)
    SELECT (SELECT id FROM users WHERE role = 'admin' ORDER BY created_at, rowid LIMIT 1), sha256
    FROM attachment_owners WHERE owner = 'local' AND EXISTS (SELECT 1 FROM users WHERE role = 'admin');
  DELETE FROM attachment_owners WHERE owner = 'local' AND EXISTS (SELECT 1 FROM users WHERE role = 'admin');
  CREATE INDEX usage_by_owner ON usage (owner, created_at);

  -- Browser sessions: only a hash of the cookie's secret is kept.
  CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    hash       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    address    TEXT,
    user_agent TEXT
  ) STRICT;
  CREATE INDEX sessions_by_user ON sessions (user_id, created_at);

  -- Failed sign-ins per scope (an account or an address), counted over a window, then forgotten.
  CREATE TABLE login_failures (
    scope      TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX login_failures_by_scope ON login_failures (scope, created_at);

  -- Who did what to whom, and when: admin actions only, never secrets.
  CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id    TEXT,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT,
    target_id   TEXT,
    details     TEXT,
    address     TEXT,
    created_at  INTEGER NOT NULL
  ) STRICT;
  `,
  `
  -- A context summary names the last message it covers in a column of its own (summaries were
  -- found by a LIKE on the context JSON): the summaries written so far get it here.
  ALTER TABLE messages ADD COLUMN summary_of TEXT;
  UPDATE messages SET summary_of = json_extract(context, '$.summary_of')
    WHERE role = 'system' AND json_valid(context) AND json_type(context, '$.summary_of') = 'text';
  CREATE INDEX messages_summaries ON messages (conversation_id) WHERE summary_of IS NOT NULL;
  `,
  `
  -- A conversation's own sampling for its answers (a request's values win); null: the model's default.
  ALTER TABLE conversations ADD COLUMN temperature REAL;
  ALTER TABLE conversations ADD COLUMN max_output_tokens INTEGER;
  `,
  `
  -- Search narrows to one owner inside the index: each entry carries its owner as one token
  -- ('o' and the owner's UTF-8 bytes in hex), so a search reads only the owner's matches, newest
  -- first. An owner changes only when an import or the first admin adopts conversations: the
  -- conversation's messages are queued again and its title re-indexed. A deleted conversation
  -- leaves the index (no search would show it).
  DROP TRIGGER messages_fts_delete;
  DROP TRIGGER titles_fts_insert;
  DROP TRIGGER titles_fts_update;
  DROP TABLE messages_fts;
  DROP TABLE titles_fts;
  CREATE VIRTUAL TABLE messages_fts USING fts5(owner, content, tokenize = 'unicode61 remove_diacritics 2');
  CREATE VIRTUAL TABLE titles_fts USING fts5(owner, title, tokenize = 'unicode61 remove_diacritics 2');

  INSERT INTO messages_fts (rowid, owner, content)
    SELECT m.rowid, 'o' || lower(hex(c.owner)), m.content FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.status <> 'in_progress' AND m.deleted_at IS NULL AND c.deleted_at IS NULL ORDER BY m.rowid;
  INSERT INTO titles_fts (rowid, owner, title)
    SELECT rowid, 'o' || lower(hex(owner)), title FROM conversations WHERE title IS NOT NULL AND deleted_at IS NULL;

  CREATE TRIGGER messages_fts_delete AFTER UPDATE OF deleted_at ON messages
    WHEN old.deleted_at IS NULL AND new.deleted_at IS NOT NULL BEGIN
    DELETE FROM messages_fts WHERE rowid = old.rowid;
  END;
  CREATE TRIGGER titles_fts_insert AFTER INSERT ON conversations WHEN new.title IS NOT NULL BEGIN
    INSERT INTO titles_fts (rowid, owner, title) VALUES (new.rowid, 'o' || lower(hex(new.owner)), new.title);
  END;
  CREATE TRIGGER titles_fts_update AFTER UPDATE OF title, owner ON conversations WHEN new.deleted_at IS NULL BEGIN
    DELETE FROM titles_fts WHERE rowid = old.rowid;
    INSERT INTO titles_fts (rowid, owner, title)
      SELECT new.rowid, 'o' || lower(hex(new.owner)), new.title WHERE new.title IS NOT NULL;
  END;
  CREATE TRIGGER messages_fts_owner AFTER UPDATE OF owner ON conversations WHEN old.owner <> new.owner BEGIN
    INSERT OR IGNORE INTO messages_fts_queue (message_row)
      SELECT rowid FROM messages WHERE conversation_id = new.id AND status <> 'in_progress' AND deleted_at IS NULL;
  END;
  CREATE TRIGGER search_conversation_delete AFTER UPDATE OF deleted_at ON conversations
    WHEN old.deleted_at IS NULL AND new.deleted_at IS NOT NULL BEGIN
    DELETE FROM messages_fts WHERE rowid IN (SELECT rowid FROM messages WHERE conversation_id = old.id);
    DELETE FROM titles_fts WHERE rowid = old.rowid;
  END;
  `,
];
