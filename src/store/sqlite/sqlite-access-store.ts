/**
 * The SQLite AccessStore: users, keys, sessions, sign-in failures and the audit log, on the same
 * database handle as the conversations (statements prepared once).
 */

import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { toAuditEntry, toKey, toSession, toUser } from '../access-rows.ts';
import {
  type AccessStore,
  type ApiKeyRecord,
  type AuditEntry,
  type AuditQuery,
  type Credential,
  type KeyPatch,
  LOCAL_OWNER,
  type NewAuditEntry,
  type SessionRecord,
  type UserPatch,
  type UserRecord,
} from '../access-store.ts';
import { inTransaction } from './sqlite-transaction.ts';

type Row = Record<string, SQLInputValue>;

export class SqliteAccessStore implements AccessStore {
  readonly #database: DatabaseSync;
  readonly #statements: ReturnType<typeof prepareAccessStatements>;

  constructor(database: DatabaseSync) {
    this.#database = database;
    this.#statements = prepareAccessStatements(database);
  }

  async createUser(user: UserRecord): Promise<boolean> {
    const statements = this.#statements;
    return inTransaction(this.#database, () => {
      const firstAdmin = user.role === 'admin' && statements.anyAdmin.get() === undefined;
      const inserted = statements.insertUser.run(
        user.id,
        user.name,
        user.role,
        user.passwordHash,
        user.email,
        user.externalIssuer,
        user.externalSubject,
        user.createdAt,
        user.updatedAt,
        user.disabledAt,
      );
      if (Number(inserted.changes) === 0) return false;
      if (firstAdmin) this.#adoptLocal(user.id);
      return true;
    });
  }

  #adoptLocal(userId: string): void {
    this.#statements.adoptLocalConversations.run(userId, LOCAL_OWNER);
    this.#statements.adoptLocalUsage.run(userId, LOCAL_OWNER);
    this.#statements.adoptLocalAttachments.run(userId, LOCAL_OWNER);
    this.#statements.dropLocalAttachments.run(LOCAL_OWNER);
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    return optional(this.#statements.getUser.get(id), toUser);
  }

  async findUserByName(name: string): Promise<UserRecord | undefined> {
    return optional(this.#statements.findUserByName.get(name), toUser);
  }

  async findUserByExternalId(issuer: string, subject: string): Promise<UserRecord | undefined> {
    return optional(this.#statements.findUserByExternal.get(issuer, subject), toUser);
  }

  async listUsers(): Promise<readonly UserRecord[]> {
    return (this.#statements.listUsers.all() as Row[]).map(toUser);
  }

  async updateUser(id: string, patch: UserPatch, now: number): Promise<UserRecord | false | undefined> {
    const statements = this.#statements;
    return inTransaction(this.#database, () => {
      const current = optional(statements.getUser.get(id), toUser);
      if (current === undefined) return undefined;
      if (patch.name !== undefined) {
        const holder = optional(statements.findUserByName.get(patch.name), toUser);
        if (holder !== undefined && holder.id !== id) return false;
      }
      const firstAdmin =
        patch.role === 'admin' && current.role !== 'admin' && statements.anyAdmin.get() === undefined;
      const next: UserRecord = { ...current, ...patch, updatedAt: now };
      statements.updateUser.run(
        next.name,
        next.role,
        next.passwordHash,
        next.email,
        next.disabledAt,
        next.updatedAt,
        id,
      );
      if (firstAdmin) this.#adoptLocal(id);
      return next;
    });
  }

  async hasUsers(): Promise<boolean> {
    return this.#statements.anyUser.get() !== undefined;
  }

  async firstAdmin(): Promise<UserRecord | undefined> {
    return optional(this.#statements.firstAdmin.get(), toUser);
  }

  async createKey(key: ApiKeyRecord): Promise<void> {
    this.#statements.insertKey.run(
      key.id,
      key.userId,
      key.name,
      key.hash,
      key.hint,
      key.models === null ? null : JSON.stringify(key.models),
      JSON.stringify(key.limits),
      key.expiresAt,
      key.createdAt,
      key.revokedAt,
    );
  }

  async findKeyByHash(hash: string): Promise<Credential<ApiKeyRecord> | undefined> {
    const key = optional(this.#statements.findKey.get(hash), toKey);
    return key === undefined ? undefined : this.#withUser(key, key.userId);
  }

  #withUser<T>(credential: T, userId: string): Credential<T> | undefined {
    const user = optional(this.#statements.getUser.get(userId), toUser);
    return user === undefined ? undefined : { credential, user };
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    return optional(this.#statements.getKey.get(id), toKey);
  }

  async listKeys(userId?: string): Promise<readonly ApiKeyRecord[]> {
    const rows =
      userId === undefined ? this.#statements.listKeys.all() : this.#statements.listUserKeys.all(userId);
    return (rows as Row[]).map(toKey);
  }

  async updateKey(id: string, patch: KeyPatch): Promise<ApiKeyRecord | undefined> {
    const statements = this.#statements;
    return inTransaction(this.#database, () => {
      const current = optional(statements.getKey.get(id), toKey);
      if (current === undefined) return undefined;
      const next: ApiKeyRecord = { ...current, ...patch };
      statements.updateKey.run(
        next.name,
        next.models === null ? null : JSON.stringify(next.models),
        JSON.stringify(next.limits),
        id,
      );
      return next;
    });
  }

  async revokeKey(id: string, now: number): Promise<boolean> {
    return Number(this.#statements.revokeKey.run(now, id).changes) > 0;
  }

  async createSession(session: SessionRecord): Promise<void> {
    this.#statements.insertSession.run(
      session.id,
      session.userId,
      session.hash,
      session.createdAt,
      session.expiresAt,
      session.address,
      session.userAgent,
    );
  }

  async findSessionByHash(hash: string, now: number): Promise<Credential<SessionRecord> | undefined> {
    const session = optional(this.#statements.findSession.get(hash, now), toSession);
    return session === undefined ? undefined : this.#withUser(session, session.userId);
  }

  async listSessions(userId: string, now: number): Promise<readonly SessionRecord[]> {
    return (this.#statements.listSessions.all(userId, now) as Row[]).map(toSession);
  }

  async deleteSession(id: string): Promise<boolean> {
    return Number(this.#statements.deleteSession.run(id).changes) > 0;
  }

  async deleteUserSessions(userId: string): Promise<number> {
    return Number(this.#statements.deleteUserSessions.run(userId).changes);
  }

  async recordLoginFailure(scopes: readonly string[], now: number, forgetBefore: number): Promise<void> {
    const statements = this.#statements;
    inTransaction(this.#database, () => {
      for (const scope of scopes) {
        statements.forgetLoginFailures.run(scope, forgetBefore);
        statements.insertLoginFailure.run(scope, now);
      }
    });
  }

  async countLoginFailures(scope: string, since: number): Promise<number> {
    return Number((this.#statements.countLoginFailures.get(scope, since) as Row).count);
  }

  async clearLoginFailures(scope: string): Promise<void> {
    this.#statements.clearLoginFailures.run(scope);
  }

  async appendAudit(entry: NewAuditEntry): Promise<void> {
    this.#statements.insertAudit.run(
      entry.actorId,
      entry.actorName,
      entry.action,
      entry.targetType,
      entry.targetId,
      entry.details,
      entry.address,
      entry.createdAt,
    );
  }

  async listAudit(query: AuditQuery): Promise<readonly AuditEntry[]> {
    const rows = this.#statements.listAudit.all(query.before ?? null, query.before ?? null, query.limit);
    return (rows as Row[]).map(toAuditEntry);
  }
}

function prepareAccessStatements(database: DatabaseSync) {
  const prepare = (sql: string): StatementSync => database.prepare(sql);
  return {
    insertUser: prepare(
      `INSERT INTO users (id, name, role, password_hash, email, external_issuer, external_subject, created_at,
         updated_at, disabled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    anyUser: prepare('SELECT 1 FROM users LIMIT 1'),
    anyAdmin: prepare(`SELECT 1 FROM users WHERE role = 'admin' LIMIT 1`),
    firstAdmin: prepare(
      `SELECT * FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY created_at, rowid LIMIT 1`,
    ),
    adoptLocalConversations: prepare('UPDATE conversations SET owner = ? WHERE owner = ?'),
    adoptLocalUsage: prepare('UPDATE usage SET owner = ? WHERE owner = ?'),
    adoptLocalAttachments: prepare(
      'INSERT OR IGNORE INTO attachment_owners (owner, sha256) SELECT ?, sha256 FROM attachment_owners WHERE owner = ?',
    ),
    dropLocalAttachments: prepare('DELETE FROM attachment_owners WHERE owner = ?'),
    getUser: prepare('SELECT * FROM users WHERE id = ?'),
    findUserByName: prepare('SELECT * FROM users WHERE lower(name) = lower(?)'),
    findUserByExternal: prepare('SELECT * FROM users WHERE external_issuer = ? AND external_subject = ?'),
    listUsers: prepare('SELECT * FROM users ORDER BY created_at, rowid'),
    updateUser: prepare(
      `UPDATE users SET name = ?, role = ?, password_hash = ?, email = ?, disabled_at = ?, updated_at = ?
       WHERE id = ?`,
    ),
    // The legacy role column holds the role of the key's user when the key was made.
    insertKey: prepare(
      `INSERT INTO api_keys (id, user_id, name, hash, hint, role, models, limits, expires_at, created_at, revoked_at)
       VALUES (?1, ?2, ?3, ?4, ?5, (SELECT role FROM users WHERE id = ?2), ?6, ?7, ?8, ?9, ?10)`,
    ),
    findKey: prepare('SELECT * FROM api_keys WHERE hash = ?'),
    getKey: prepare('SELECT * FROM api_keys WHERE id = ?'),
    listKeys: prepare('SELECT * FROM api_keys ORDER BY created_at, rowid'),
    listUserKeys: prepare('SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at, rowid'),
    updateKey: prepare('UPDATE api_keys SET name = ?, models = ?, limits = ? WHERE id = ?'),
    revokeKey: prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    insertSession: prepare(
      `INSERT INTO sessions (id, user_id, hash, created_at, expires_at, address, user_agent)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    findSession: prepare('SELECT * FROM sessions WHERE hash = ? AND expires_at > ?'),
    listSessions: prepare(
      'SELECT * FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC, rowid DESC',
    ),
    deleteSession: prepare('DELETE FROM sessions WHERE id = ?'),
    deleteUserSessions: prepare('DELETE FROM sessions WHERE user_id = ?'),
    insertLoginFailure: prepare('INSERT INTO login_failures (scope, created_at) VALUES (?, ?)'),
    forgetLoginFailures: prepare('DELETE FROM login_failures WHERE scope = ? AND created_at < ?'),
    countLoginFailures: prepare(
      'SELECT COUNT(*) AS count FROM login_failures WHERE scope = ? AND created_at >= ?',
    ),
    clearLoginFailures: prepare('DELETE FROM login_failures WHERE scope = ?'),
    insertAudit: prepare(
      `INSERT INTO audit_log (actor_id, actor_name, action, target_type, target_id, details, address, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    listAudit: prepare('SELECT * FROM audit_log WHERE (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?'),
  };
}

function optional<T>(row: unknown, decode: (row: Row) => T): T | undefined {
  return row === undefined ? undefined : decode(row as Row);
}
