/**
 * The access part of the Store: users, their API keys and browser sessions, failed sign-ins and the
 * audit log of admin actions. A user id is the `owner` that conversations, responses and usage rows
 * carry; a key and a session act as their user. Implementations sit beside each Store
 * (`sqlite/sqlite-access-store.ts`, `postgres/postgres-access-store.ts`), held to
 * `access-store-contract.ts`.
 */

export type UserRole = 'admin' | 'user';
/** Kept for the key API's `role` field, which names the role of the user a key acts as. */
export type KeyRole = UserRole;

/**
 * The owner of whatever was made while no user existed (the open, loopback-only server). The first
 * admin adopts it: see `AccessStore.createUser`.
 */
export const LOCAL_OWNER = 'local';

/** Times are Unix milliseconds. */
export interface UserRecord {
  /** The owner of the user's conversations, responses and usage. */
  readonly id: string;
  /** The sign-in name, unique without regard to ASCII case. */
  readonly name: string;
  readonly role: UserRole;
  /** An argon2id PHC string; null for a user who signs in only with keys or single sign-on. */
  readonly passwordHash: string | null;
  readonly email: string | null;
  /** The OpenID Connect issuer and subject of a user who signs in through single sign-on. */
  readonly externalIssuer: string | null;
  readonly externalSubject: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Set while the user is disabled: their keys and sessions stop at once. */
  readonly disabledAt: number | null;
}

/** What `updateUser` may change; absent fields stay as they are. */
export interface UserPatch {
  readonly name?: string;
  readonly role?: UserRole;
  readonly passwordHash?: string | null;
  readonly email?: string | null;
  readonly disabledAt?: number | null;
}

/** Per-key limits; an absent field is no limit. */
export interface KeyLimits {
  readonly requestsPerMinute?: number;
  readonly tokensPerMinute?: number;
  readonly tokensPerDay?: number;
  /** US dollars per UTC day, priced with the config file's price table. */
  readonly budgetPerDay?: number;
  readonly concurrentStreams?: number;
}

export interface ApiKeyRecord {
  readonly id: string;
  /** The user this key acts as. */
  readonly userId: string;
  readonly name: string;
  /** A keyed hash of the secret; the secret itself is never stored. */
  readonly hash: string;
  /** The secret's first characters, to tell keys apart in listings. */
  readonly hint: string;
  /** The models this key may use; null for all. */
  readonly models: readonly string[] | null;
  readonly limits: KeyLimits;
  readonly expiresAt: number | null;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

/** What `updateKey` may change; absent fields stay as they are. */
export interface KeyPatch {
  readonly name?: string;
  readonly models?: readonly string[] | null;
  readonly limits?: KeyLimits;
}

export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  /** A keyed hash of the cookie's secret; the secret itself is never stored. */
  readonly hash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** The address and browser that signed in, for the user's own list of sessions. */
  readonly address: string | null;
  readonly userAgent: string | null;
}

/** A credential found with its user, in one read. */
export interface Credential<T> {
  readonly credential: T;
  readonly user: UserRecord;
}

export interface AuditEntry {
  readonly id: number;
  /** The user who acted; null for the server itself or the local (keyless) user. */
  readonly actorId: string | null;
  readonly actorName: string;
  /** A dotted verb, e.g. `user.create`, `key.revoke`. */
  readonly action: string;
  readonly targetType: string | null;
  readonly targetId: string | null;
  /** What changed, as JSON text (never a secret or a password hash). */
  readonly details: string | null;
  readonly address: string | null;
  readonly createdAt: number;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface AuditQuery {
  /** Entries with an id below this one (the previous page's last). */
  readonly before?: number;
  readonly limit: number;
}

export interface AccessStore {
  /**
   * Creates a user; false when the name (or the external identity) is taken. The first admin
   * adopts the local owner's conversations and usage in the same transaction.
   */
  createUser(user: UserRecord): Promise<boolean>;
  getUser(id: string): Promise<UserRecord | undefined>;
  /** Without regard to ASCII case. */
  findUserByName(name: string): Promise<UserRecord | undefined>;
  findUserByExternalId(issuer: string, subject: string): Promise<UserRecord | undefined>;
  /** Oldest first. */
  listUsers(): Promise<readonly UserRecord[]>;
  /**
   * Changes a user; undefined when there is no such user, false when a new name is taken. A user
   * who becomes the first admin adopts the local owner's data as in `createUser`.
   */
  updateUser(id: string, patch: UserPatch, now: number): Promise<UserRecord | false | undefined>;
  /** True once any user exists (users are disabled, never deleted). */
  hasUsers(): Promise<boolean>;
  /** The oldest admin who is not disabled. */
  firstAdmin(): Promise<UserRecord | undefined>;

  /** The key's user must exist. */
  createKey(key: ApiKeyRecord): Promise<void>;
  /** A key and its user, by the key's hash, revoked or not. */
  findKeyByHash(hash: string): Promise<Credential<ApiKeyRecord> | undefined>;
  getKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** Every key (of one user, when given), revoked ones too, oldest first. */
  listKeys(userId?: string): Promise<readonly ApiKeyRecord[]>;
  updateKey(id: string, patch: KeyPatch): Promise<ApiKeyRecord | undefined>;
  revokeKey(id: string, now: number): Promise<boolean>;

  createSession(session: SessionRecord): Promise<void>;
  /** A session that has not expired, and its user. */
  findSessionByHash(hash: string, now: number): Promise<Credential<SessionRecord> | undefined>;
  /** A user's live sessions, newest first. */
  listSessions(userId: string, now: number): Promise<readonly SessionRecord[]>;
  deleteSession(id: string): Promise<boolean>;
  /** Ends every session of a user (sign-out everywhere, disabling, a new password); returns how many. */
  deleteUserSessions(userId: string): Promise<number>;

  /** Counts a failed sign-in against each scope (an account, an address); drops ones older than `forgetBefore`. */
  recordLoginFailure(scopes: readonly string[], now: number, forgetBefore: number): Promise<void>;
  /** Failures of a scope since a time. */
  countLoginFailures(scope: string, since: number): Promise<number>;
  clearLoginFailures(scope: string): Promise<void>;

  appendAudit(entry: NewAuditEntry): Promise<void>;
  /** Newest first. */
  listAudit(query: AuditQuery): Promise<readonly AuditEntry[]>;
}
