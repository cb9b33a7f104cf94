/**
 * Databases as Parley wrote them before users existed: the migrations up to (not including) the one
 * that adds users, then rows as that code wrote them — keys owning conversations and usage as
 * `key:<key id>`, the keyless local user as `local`. Tests open them with today's store to check
 * the migration keeps everything.
 */

import { createHash, createHmac, randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import type { Pool } from 'pg';
import { postgresMigrations } from '../../src/store/postgres/migrations.ts';
import { sqliteMigrations } from '../../src/store/sqlite/migrations.ts';

const HASH_SECRET = 'pre-people-hash-secret';
const USERS_MIGRATION = 'CREATE TABLE users';

export interface OldKey {
  readonly id: string;
  readonly name: string;
  readonly role: 'admin' | 'user';
  readonly secret: string;
  readonly revoked?: boolean;
}

export interface OldConversation {
  readonly id: string;
  /** `local`, or `key:<id>`. */
  readonly owner: string;
  readonly title: string;
  /** Question and answer ids, written as one turn. */
  readonly messageIds: readonly [string, string];
}

/** What the old database holds: keys, one conversation per owner given, one usage row each. */
export interface OldContents {
  readonly keys: readonly OldKey[];
  readonly conversations: readonly OldConversation[];
}

export function oldKey(name: string, role: 'admin' | 'user', revoked = false): OldKey {
  return { id: randomUUID(), name, role, secret: `sk-parley-${randomUUID()}`, revoked };
}

export function oldConversation(owner: string, title: string): OldConversation {
  return { id: randomUUID(), owner, title, messageIds: [randomUUID(), randomUUID()] };
}

/** The bytes each old conversation's owner stored: the conversation's title. */
export const attachmentOf = (conversation: OldConversation) => {
  const data = Buffer.from(conversation.title);
  return { data, sha256: createHash('sha256').update(data).digest('hex') };
};

const hash = (secret: string) => createHmac('sha256', HASH_SECRET).update(secret).digest('hex');

function migrationsBeforeUsers(migrations: readonly string[]): readonly string[] {
  const index = migrations.findIndex((migration) => migration.includes(USERS_MIGRATION));
  if (index < 0) throw new Error('no migration creates the users table');
  return migrations.slice(0, index);
}

/** Writes an SQLite file as the code before users did. */
export function writePreUsersSqlite(path: string, contents: OldContents): void {
  const database = new DatabaseSync(path);
  const migrations = migrationsBeforeUsers(sqliteMigrations);
  for (const migration of migrations) database.exec(migration);
  database.exec(`PRAGMA user_version = ${migrations.length}`);
  database
    .prepare('INSERT INTO settings (name, value) VALUES (?, ?)')
    .run('api_key_hash_secret', HASH_SECRET);
  for (const [index, key] of contents.keys.entries()) {
    database
      .prepare(
        `INSERT INTO api_keys (id, name, hash, hint, role, models, limits, expires_at, created_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, NULL, '{}', NULL, ?, ?)`,
      )
      .run(
        key.id,
        key.name,
        hash(key.secret),
        key.secret.slice(0, 14),
        key.role,
        1_000 + index,
        key.revoked === true ? 5_000 : null,
      );
  }
  for (const [index, conversation] of contents.conversations.entries()) {
    const [question, answer] = conversation.messageIds;
    const at = 10_000 + index * 10;
    database
      .prepare(
        `INSERT INTO conversations (id, owner, title, model, current_node, created_at, updated_at)
         VALUES (?, ?, ?, 'old-model', ?, ?, ?)`,
      )
      .run(conversation.id, conversation.owner, conversation.title, answer, at, at);
    const insert = database.prepare(
      `INSERT INTO messages (id, conversation_id, parent_id, role, content, status, created_at, updated_at, depth,
         parent_row) VALUES (?, ?, ?, ?, ?, 'completed', ?, ?, ?, (SELECT rowid FROM messages WHERE id = ?))`,
    );
    insert.run(question, conversation.id, null, 'user', `question of ${conversation.title}`, at, at, 0, null);
    insert.run(
      answer,
      conversation.id,
      question,
      'assistant',
      `answer of ${conversation.title}`,
      at,
      at,
      1,
      question,
    );
    const attachment = attachmentOf(conversation);
    database
      .prepare('INSERT INTO attachments (sha256, size, data, created_at) VALUES (?, ?, ?, ?)')
      .run(attachment.sha256, attachment.data.byteLength, attachment.data, at);
    database
      .prepare('INSERT INTO attachment_owners (owner, sha256) VALUES (?, ?)')
      .run(conversation.owner, attachment.sha256);
    database
      .prepare(
        `INSERT INTO usage (owner, key_id, conversation_id, message_id, model, provider, input_tokens,
           output_tokens, tokens_counted, cost, latency_ms, first_token_ms, status, created_at)
         VALUES (?, ?, ?, ?, 'old-model', 'old', 3, 4, 0, NULL, 5, NULL, 'completed', ?)`,
      )
      .run(
        conversation.owner,
        conversation.owner.startsWith('key:') ? conversation.owner.slice(4) : null,
        conversation.id,
        answer,
        at,
      );
  }
  database.close();
}

/** Writes the PostgreSQL schema that `pool`'s search_path names as the code before users did. */
export async function writePreUsersPostgres(pool: Pool, contents: OldContents): Promise<void> {
  const migrations = migrationsBeforeUsers(postgresMigrations);
  await pool.query(
    'CREATE TABLE parley_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)',
  );
  for (const [index, migration] of migrations.entries()) {
    await pool.query(migration);
    await pool.query('INSERT INTO parley_migrations (version, applied_at) VALUES ($1, 1)', [index + 1]);
  }
  await pool.query('INSERT INTO settings (name, value) VALUES ($1, $2)', [
    'api_key_hash_secret',
    HASH_SECRET,
  ]);
  for (const [index, key] of contents.keys.entries()) {
    await pool.query(
      `INSERT INTO api_keys (id, name, hash, hint, role, models, limits, expires_at, created_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, NULL, '{}', NULL, $6, $7)`,
      [
        key.id,
        key.name,
        hash(key.secret),
        key.secret.slice(0, 14),
        key.role,
        1_000 + index,
        key.revoked === true ? 5_000 : null,
      ],
    );
  }
  for (const [index, conversation] of contents.conversations.entries()) {
    const [question, answer] = conversation.messageIds;
    const at = 10_000 + index * 10;
    await pool.query(
      `INSERT INTO conversations (id, owner, title, model, current_node, created_at, updated_at)
       VALUES ($1, $2, $3, 'old-model', $4, $5, $5)`,
      [conversation.id, conversation.owner, conversation.title, answer, at],
    );
    const insert = `INSERT INTO messages (id, conversation_id, parent_id, role, content, status, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, 'completed', $6, $6)`;
    await pool.query(insert, [
      question,
      conversation.id,
      null,
      'user',
      `question of ${conversation.title}`,
      at,
    ]);
    await pool.query(insert, [
      answer,
      conversation.id,
      question,
      'assistant',
      `answer of ${conversation.title}`,
      at,
    ]);
    const attachment = attachmentOf(conversation);
    await pool.query('INSERT INTO attachments (sha256, size, data, created_at) VALUES ($1, $2, $3, $4)', [
      attachment.sha256,
      attachment.data.byteLength,
      attachment.data,
      at,
    ]);
    await pool.query('INSERT INTO attachment_owners (owner, sha256) VALUES ($1, $2)', [
      conversation.owner,
      attachment.sha256,
    ]);
    await pool.query(
      `INSERT INTO usage (owner, key_id, conversation_id, message_id, model, provider, input_tokens, output_tokens,
         tokens_counted, cost, latency_ms, first_token_ms, status, created_at)
       VALUES ($1, $2, $3, $4, 'old-model', 'old', 3, 4, false, NULL, 5, NULL, 'completed', $5)`,
      [
        conversation.owner,
        conversation.owner.startsWith('key:') ? conversation.owner.slice(4) : null,
        conversation.id,
        answer,
        at,
      ],
    );
  }
}
