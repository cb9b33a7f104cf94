/**
 * The PostgreSQL AccessStore: users, keys, sessions, sign-in failures and the audit log, on the
 * Store's pool. A credential and its user come in one query; what must see a consistent picture
 * (the first admin, a rename) runs in a transaction under an advisory lock.
 */

import type { Pool, PoolClient } from 'pg';
import { type AccessRow, badColumn, toAuditEntry, toKey, toSession, toUser } from '../access-rows.ts';
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

const USER_COLUMNS = `u.id, u.name, u.role, u.password_hash, u.email, u.external_issuer, u.external_subject,
  u.created_at, u.updated_at, u.disabled_at`;
const KEY_COLUMNS =
  'k.id, k.user_id, k.name, k.hash, k.hint, k.models, k.limits, k.expires_at, k.created_at, k.revoked_at';
const SESSION_COLUMNS = 's.id, s.user_id, s.hash, s.created_at, s.expires_at, s.address, s.user_agent';
/** A credential's row with its user's columns beside it, as `user` (a JSON object built by the query). */
const WITH_USER = `row_to_json(u) AS "user"`;

const queries = {
  insertUser: `INSERT INTO users (id, name, role, password_hash, email, external_issuer, external_subject,
      created_at, updated_at, disabled_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT DO NOTHING`,
  anyAdmin: `SELECT 1 FROM users WHERE role = 'admin' LIMIT 1`,
  firstAdmin: `SELECT ${USER_COLUMNS} FROM users u WHERE u.role = 'admin' AND u.disabled_at IS NULL
    ORDER BY u.created_at, u.seq LIMIT 1`,
  adoptLocal: `WITH conversations_moved AS (UPDATE conversations SET owner = $1 WHERE owner = $2),
      usage_moved AS (UPDATE usage SET owner = $1 WHERE owner = $2),
      attachments_dropped AS (DELETE FROM attachment_owners WHERE owner = $2 RETURNING sha256)
    INSERT INTO attachment_owners (owner, sha256) SELECT $1, sha256 FROM attachments_dropped
    ON CONFLICT DO NOTHING`,
  getUser: `SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`,
  findUserByName: `SELECT ${USER_COLUMNS} FROM users u WHERE lower(u.name) = lower($1)`,
  findUserByExternal: `SELECT ${USER_COLUMNS} FROM users u WHERE u.external_issuer = $1 AND u.external_subject = $2`,
  listUsers: `SELECT ${USER_COLUMNS} FROM users u ORDER BY u.created_at, u.seq`,
  updateUser: `UPDATE users SET name = $1, role = $2, password_hash = $3, email = $4, disabled_at = $5,
    updated_at = $6 WHERE id = $7`,
  anyUser: 'SELECT EXISTS (SELECT 1 FROM users) AS found',
  // The legacy role column holds the role of the key's user when the key was made.
  insertKey: `INSERT INTO api_keys (id, user_id, name, hash, hint, role, models, limits, expires_at, created_at,
      revoked_at)
    VALUES ($1, $2, $3, $4, $5, (SELECT role FROM users WHERE id = $2), $6, $7, $8, $9, $10)`,
  findKey: `SELECT ${KEY_COLUMNS}, ${WITH_USER} FROM api_keys k
    JOIN (SELECT ${USER_COLUMNS} FROM users u) u ON u.id = k.user_id WHERE k.hash = $1`,
  getKey: `SELECT ${KEY_COLUMNS} FROM api_keys k WHERE k.id = $1`,
  listKeys: `SELECT ${KEY_COLUMNS} FROM api_keys k WHERE ($1::text IS NULL OR k.user_id = $1)
    ORDER BY k.created_at, k.seq`,
  updateKey: `UPDATE api_keys k SET name = coalesce($2, k.name),
      models = CASE WHEN $3 THEN $4 ELSE k.models END, limits = coalesce($5, k.limits)
    WHERE k.id = $1 RETURNING ${KEY_COLUMNS}`,
  revokeKey: 'UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
  insertSession: `INSERT INTO sessions (id, user_id, hash, created_at, expires_at, address, user_agent)
    VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  findSession: `SELECT ${SESSION_COLUMNS}, ${WITH_USER} FROM sessions s
    JOIN (SELECT ${USER_COLUMNS} FROM users u) u ON u.id = s.user_id WHERE s.hash = $1 AND s.expires_at > $2`,
  listSessions: `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.user_id = $1 AND s.expires_at > $2
    ORDER BY s.created_at DESC, s.id`,
  deleteSession: 'DELETE FROM sessions WHERE id = $1',
  deleteUserSessions: 'DELETE FROM sessions WHERE user_id = $1',
  recordLoginFailure: `WITH forgotten AS (DELETE FROM login_failures WHERE scope = ANY($1) AND created_at < $3)
    INSERT INTO login_failures (scope, created_at) SELECT unnest($1::text[]), $2`,
  countLoginFailures: `SELECT count(*)::integer AS count FROM login_failures WHERE scope = $1 AND created_at >= $2`,
  clearLoginFailures: 'DELETE FROM login_failures WHERE scope = $1',
  insertAudit: `INSERT INTO audit_log (actor_id, actor_name, action, target_type, target_id, details, address,
      created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  listAudit: `SELECT id, actor_id, actor_name, action, target_type, target_id, details, address, created_at
    FROM audit_log WHERE ($1::bigint IS NULL OR id < $1) ORDER BY id DESC LIMIT $2`,
} as const;

export class PostgresAccessStore implements AccessStore {
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  async #rows<R extends Record<string, unknown>>(sql: string, values: readonly unknown[] = []): Promise<R[]> {
    return (await this.#pool.query<R>(sql, [...values])).rows;
  }

  /** Runs `work` in a transaction that holds the users lock (one user change at a time). */
  async #usersTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('parley:users'))`);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async createUser(user: UserRecord): Promise<boolean> {
    return this.#usersTransaction(async (client) => {
      const firstAdmin = user.role === 'admin' && (await client.query(queries.anyAdmin)).rowCount === 0;
      const inserted = await client.query(queries.insertUser, [
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
      ]);
      if (inserted.rowCount === 0) return false;
      if (firstAdmin) await client.query(queries.adoptLocal, [user.id, LOCAL_OWNER]);
      return true;
    });
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const [row] = await this.#rows<AccessRow>(queries.getUser, [id]);
    return row === undefined ? undefined : toUser(row);
  }

  async findUserByName(name: string): Promise<UserRecord | undefined> {
    const [row] = await this.#rows<AccessRow>(queries.findUserByName, [name]);
    return row === undefined ? undefined : toUser(row);
  }

  async findUserByExternalId(issuer: string, subject: string): Promise<UserRecord | undefined> {
    const [row] = await this.#rows<AccessRow>(queries.findUserByExternal, [issuer, subject]);
    return row === undefined ? undefined : toUser(row);
  }

  async listUsers(): Promise<readonly UserRecord[]> {
    return (await this.#rows<AccessRow>(queries.listUsers)).map(toUser);
  }

  async updateUser(id: string, patch: UserPatch, now: number): Promise<UserRecord | false | undefined> {
    return this.#usersTransaction(async (client) => {
      const [row] = (await client.query<AccessRow>(queries.getUser, [id])).rows;
      if (row === undefined) return undefined;
      const current = toUser(row);
      if (patch.name !== undefined) {
        const [holder] = (await client.query<AccessRow>(queries.findUserByName, [patch.name])).rows;
        if (holder !== undefined && holder.id !== id) return false;
      }
      const firstAdmin =
        patch.role === 'admin' &&
        current.role !== 'admin' &&
        (await client.query(queries.anyAdmin)).rowCount === 0;
      const next: UserRecord = { ...current, ...patch, updatedAt: now };
      await client.query(queries.updateUser, [
        next.name,
        next.role,
        next.passwordHash,
        next.email,
        next.disabledAt,
        next.updatedAt,
        id,
      ]);
      if (firstAdmin) await client.query(queries.adoptLocal, [id, LOCAL_OWNER]);
      return next;
    });
  }

  async hasUsers(): Promise<boolean> {
    const [row] = await this.#rows<{ found: boolean }>(queries.anyUser);
    return row?.found === true;
  }

  async firstAdmin(): Promise<UserRecord | undefined> {
    const [row] = await this.#rows<AccessRow>(queries.firstAdmin);
    return row === undefined ? undefined : toUser(row);
  }

  async createKey(key: ApiKeyRecord): Promise<void> {
    await this.#pool.query(queries.insertKey, [
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
    ]);
  }

  async findKeyByHash(hash: string): Promise<Credential<ApiKeyRecord> | undefined> {
    const [row] = await this.#rows<AccessRow>(queries.findKey, [hash]);
    return row === undefined ? undefined : { credential: toKey(row), user: userBeside(row) };
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.#rows<AccessRow>(queries.getKey, [id]);
    return row === undefined ? undefined : toKey(row);
  }

  async listKeys(userId?: string): Promise<readonly ApiKeyRecord[]> {
    return (await this.#rows<AccessRow>(queries.listKeys, [userId ?? null])).map(toKey);
  }

  async updateKey(id: string, patch: KeyPatch): Promise<ApiKeyRecord | undefined> {
    const [row] = await this.#rows<AccessRow>(queries.updateKey, [
      id,
      patch.name ?? null,
      patch.models !== undefined,
      patch.models === undefined || patch.models === null ? null : JSON.stringify(patch.models),
      patch.limits === undefined ? null : JSON.stringify(patch.limits),
    ]);
    return row === undefined ? undefined : toKey(row);
  }

  async revokeKey(id: string, now: number): Promise<boolean> {
    return ((await this.#pool.query(queries.revokeKey, [now, id])).rowCount ?? 0) > 0;
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.#pool.query(queries.insertSession, [
      session.id,
      session.userId,
      session.hash,
      session.createdAt,
      session.expiresAt,
      session.address,
      session.userAgent,
    ]);
  }

  async findSessionByHash(hash: string, now: number): Promise<Credential<SessionRecord> | undefined> {
    const [row] = await this.#rows<AccessRow>(queries.findSession, [hash, now]);
    return row === undefined ? undefined : { credential: toSession(row), user: userBeside(row) };
  }

  async listSessions(userId: string, now: number): Promise<readonly SessionRecord[]> {
    return (await this.#rows<AccessRow>(queries.listSessions, [userId, now])).map(toSession);
  }

  async deleteSession(id: string): Promise<boolean> {
    return ((await this.#pool.query(queries.deleteSession, [id])).rowCount ?? 0) > 0;
  }

  async deleteUserSessions(userId: string): Promise<number> {
    return (await this.#pool.query(queries.deleteUserSessions, [userId])).rowCount ?? 0;
  }

  async recordLoginFailure(scopes: readonly string[], now: number, forgetBefore: number): Promise<void> {
    await this.#pool.query(queries.recordLoginFailure, [[...scopes], now, forgetBefore]);
  }

  async countLoginFailures(scope: string, since: number): Promise<number> {
    const [row] = await this.#rows<{ count: number }>(queries.countLoginFailures, [scope, since]);
    return row?.count ?? 0;
  }

  async clearLoginFailures(scope: string): Promise<void> {
    await this.#pool.query(queries.clearLoginFailures, [scope]);
  }

  async appendAudit(entry: NewAuditEntry): Promise<void> {
    await this.#pool.query(queries.insertAudit, [
      entry.actorId,
      entry.actorName,
      entry.action,
      entry.targetType,
      entry.targetId,
      entry.details,
      entry.address,
      entry.createdAt,
    ]);
  }

  async listAudit(query: AuditQuery): Promise<readonly AuditEntry[]> {
    const rows = await this.#rows<AccessRow>(queries.listAudit, [query.before ?? null, query.limit]);
    return rows.map(toAuditEntry);
  }
}

/** The user a credential's query builds beside it (`row_to_json`, so its bigints are JSON numbers). */
function userBeside(row: AccessRow): UserRecord {
  const user = row.user;
  if (typeof user !== 'object' || user === null) throw badColumn('user', user, 'a user row');
  return toUser(user as AccessRow);
}
