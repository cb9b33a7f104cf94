/**
 * Rows of the access tables (users, api_keys, sessions, audit_log) decoded into the AccessStore's
 * records, once for both databases: the two schemas have the same columns, and the drivers differ
 * only in how they hand over values, which the column readers below take explicitly.
 */

import type {
  ApiKeyRecord,
  AuditEntry,
  KeyLimits,
  SessionRecord,
  UserRecord,
  UserRole,
} from './access-store.ts';

/** A row as a driver returns it: column name to value. */
export type AccessRow = Readonly<Record<string, unknown>>;

/** A row that was not what its table holds: a schema and its decoder disagree. */
export const badColumn = (column: string, value: unknown, wanted: string): Error =>
  new Error(`The column ${column} holds ${JSON.stringify(String(value))}, not ${wanted}.`);

function text(row: AccessRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw badColumn(column, value, 'text');
  return value;
}

/** SQL NULL: node:sqlite gives null (or leaves the column out), pg gives null. */
const isNull = (value: unknown): value is null | undefined => value === null || value === undefined;

function nullableText(row: AccessRow, column: string): string | null {
  return isNull(row[column]) ? null : text(row, column);
}

/**
 * A bigint column (Unix milliseconds, ids) as a number. SQLite gives a JavaScript number (a
 * bigint when read with `readBigInts`); PostgreSQL gives a decimal string unless a type parser
 * reads it (the Store's pool parses INT8 to numbers), and a JSON number inside `row_to_json`.
 */
function integer(row: AccessRow, column: string): number {
  const value = row[column];
  const number =
    typeof value === 'number' || typeof value === 'bigint'
      ? Number(value)
      : typeof value === 'string' && /^-?[0-9]+$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isSafeInteger(number)) throw badColumn(column, value, 'an integer');
  return number;
}

function nullableInteger(row: AccessRow, column: string): number | null {
  return isNull(row[column]) ? null : integer(row, column);
}

function role(row: AccessRow): UserRole {
  const value = text(row, 'role');
  if (value !== 'admin' && value !== 'user') throw badColumn('role', value, 'a role');
  return value;
}

/** A JSON text column (both schemas keep JSON as text). */
function json(row: AccessRow, column: string): unknown {
  return JSON.parse(text(row, column));
}

export function toUser(row: AccessRow): UserRecord {
  return {
    id: text(row, 'id'),
    name: text(row, 'name'),
    role: role(row),
    passwordHash: nullableText(row, 'password_hash'),
    email: nullableText(row, 'email'),
    externalIssuer: nullableText(row, 'external_issuer'),
    externalSubject: nullableText(row, 'external_subject'),
    createdAt: integer(row, 'created_at'),
    updatedAt: integer(row, 'updated_at'),
    disabledAt: nullableInteger(row, 'disabled_at'),
  };
}

export function toKey(row: AccessRow): ApiKeyRecord {
  return {
    id: text(row, 'id'),
    userId: text(row, 'user_id'),
    name: text(row, 'name'),
    hash: text(row, 'hash'),
    hint: text(row, 'hint'),
    models: isNull(row.models) ? null : (json(row, 'models') as string[]),
    // Keys made before limits existed have none.
    limits: isNull(row.limits) ? {} : (json(row, 'limits') as KeyLimits),
    expiresAt: nullableInteger(row, 'expires_at'),
    createdAt: integer(row, 'created_at'),
    revokedAt: nullableInteger(row, 'revoked_at'),
  };
}

export function toSession(row: AccessRow): SessionRecord {
  return {
    id: text(row, 'id'),
    userId: text(row, 'user_id'),
    hash: text(row, 'hash'),
    createdAt: integer(row, 'created_at'),
    expiresAt: integer(row, 'expires_at'),
    address: nullableText(row, 'address'),
    userAgent: nullableText(row, 'user_agent'),
  };
}

export function toAuditEntry(row: AccessRow): AuditEntry {
  return {
    id: integer(row, 'id'),
    actorId: nullableText(row, 'actor_id'),
    actorName: text(row, 'actor_name'),
    action: text(row, 'action'),
    targetType: nullableText(row, 'target_type'),
    targetId: nullableText(row, 'target_id'),
    details: nullableText(row, 'details'),
    address: nullableText(row, 'address'),
    createdAt: integer(row, 'created_at'),
  };
}
